// How a transfer shows itself: a bar with bytes, rate and time left when a person watches (stdout
// and stderr are terminals), nothing but the final line otherwise, nothing at all with --quiet,
// and one JSON object with --json. The bar is cli-progress's, drawn on stderr.
import { SingleBar } from 'cli-progress'
import { formatSize as formatBytes } from '../src/lib/sizes'

export type Output = 'tty' | 'plain' | 'quiet' | 'json'

export function outputMode(options: { quiet?: boolean; json?: boolean }): Output {
  if (options.json) return 'json'
  if (options.quiet) return 'quiet'
  return process.stdout.isTTY && process.stderr.isTTY ? 'tty' : 'plain'
}

function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--'
  if (seconds < 60) return `${Math.ceil(seconds)}s`
  const minutes = Math.floor(seconds / 60)
  return minutes < 60
    ? `${minutes}m${Math.ceil(seconds % 60)}s`
    : `${Math.floor(minutes / 60)}h${minutes % 60}m`
}

/** One transfer's progress. `add` counts bytes moved; `finish` prints the final line. */
export class Progress {
  private readonly started = Date.now()
  private moved = 0
  private readonly bar: SingleBar | undefined

  constructor(
    private readonly mode: Output,
    label: string,
    private readonly total: number,
  ) {
    if (mode !== 'tty') return
    this.bar = new SingleBar({
      stream: process.stderr,
      format: `${label} {bar} {percentage}% | {moved}/{size} | {rate}/s | {left} left`,
      barCompleteChar: '█',
      barIncompleteChar: '░',
      hideCursor: true,
      clearOnComplete: true,
      fps: 10,
    })
    this.bar.start(Math.max(total, 1), 0, this.payload())
  }

  private payload() {
    const seconds = (Date.now() - this.started) / 1000
    const rate = seconds > 0 ? this.moved / seconds : 0
    return {
      moved: formatBytes(this.moved),
      size: formatBytes(this.total),
      rate: formatBytes(rate),
      left: formatSeconds(rate > 0 ? (this.total - this.moved) / rate : Number.NaN),
    }
  }

  add(bytes: number): void {
    this.moved += bytes
    this.bar?.update(Math.min(this.moved, this.total), this.payload())
  }

  /** Bytes counted for work that failed and will be sent again. */
  undo(bytes: number): void {
    this.moved = Math.max(0, this.moved - bytes)
    this.bar?.update(this.moved, this.payload())
  }

  stop(): void {
    this.bar?.stop()
  }

  /** Stops the bar and prints the transfer's one line (or its JSON). */
  finish(line: string, json: Record<string, unknown>): void {
    this.stop()
    const seconds = (Date.now() - this.started) / 1000
    if (this.mode === 'json') {
      process.stdout.write(`${JSON.stringify({ ...json, bytes: this.total, seconds })}\n`)
    } else if (this.mode !== 'quiet') {
      const rate = seconds > 0 ? `, ${formatBytes(this.total / seconds)}/s` : ''
      process.stdout.write(
        `${line} (${formatBytes(this.total)} in ${seconds.toFixed(1)} s${rate})\n`,
      )
    }
  }
}

/**
 * One file's share of a tree's transfer: its bytes count towards the tree's one display, and it
 * prints nothing of its own (the tree prints its final line).
 */
export class PartProgress extends Progress {
  constructor(private readonly whole: Progress) {
    super('quiet', '', 0)
  }

  override add(bytes: number): void {
    this.whole.add(bytes)
  }

  override undo(bytes: number): void {
    this.whole.undo(bytes)
  }

  override finish(): void {}
}
