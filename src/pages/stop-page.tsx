// The page a mail's stop link opens: a button that stops this link's mail to this address (a GET
// changes nothing, so a mail scanner that follows links stops nothing), then what it did.
import { Page } from './layout'

export type StopState = 'ask' | 'stopped' | 'forged' | 'unknown'

const TITLES: Record<StopState, string> = {
  ask: 'Stop these mails?',
  stopped: 'Mail stopped',
  forged: 'This stop link is not valid',
  unknown: 'Link not found',
}

export function StopPage(props: { state: StopState; address: string; action: string }) {
  const { state, address, action } = props
  return (
    <Page head={{ title: TITLES[state] }}>
      <h1>{TITLES[state]}</h1>
      {state === 'ask' && (
        <form method="post" action={action}>
          <p>
            No more mail about this link will go to <strong>{address}</strong>. Other links' mail is
            not affected.
          </p>
          <input type="hidden" name="List-Unsubscribe" value="One-Click" />
          <button type="submit">Stop mail about this link</button>
        </form>
      )}
      {state === 'stopped' && (
        <p>
          No more mail about this link goes to <strong>{address}</strong>.
        </p>
      )}
      {state === 'forged' && <p>Use the stop link from the mail itself, whole.</p>}
      {state === 'unknown' && <p>There is no mail about this link to stop.</p>}
    </Page>
  )
}
