// A file name's stem and extension, and the numbered names that keep two files of one name apart
// (`report.pdf`, `report (2).pdf`, …): upload links and the console's one-step share number
// alike. Pure.

/** `report.pdf` → `report` and `.pdf`; a leading dot is part of the stem. */
export function splitExtension(name: string): { stem: string; ext: string } {
  const dot = name.lastIndexOf('.')
  return dot > 0 ? { stem: name.slice(0, dot), ext: name.slice(dot) } : { stem: name, ext: '' }
}

/** The `n`th name for a file (n ≥ 1): the name itself, then `stem (2).ext`, `stem (3).ext`, … */
export function numberedName(name: string, n: number): string {
  if (n <= 1) return name
  const { stem, ext } = splitExtension(name)
  return `${stem} (${n})${ext}`
}
