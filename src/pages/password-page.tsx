// The page a browser gets for a password-protected link: what it opens (a file's name, or the
// upload link's purpose) and a password form, nothing else. Its title and link-preview tags say
// only that a password is needed: a chat's preview of the link never shows the file's name. The
// form posts to the link, which answers with a cookie for this link and sends the browser back.
import { Page } from './layout'

/** What the page names and where its form goes. */
export type PasswordFor = { name: string; note: string; action: string }

export function PasswordPage(props: PasswordFor & { wrong: boolean }) {
  const { name, note, action, wrong } = props
  return (
    <Page head={{ title: 'Password required', description: 'This link asks for a password.' }}>
      <h1>{name}</h1>
      <p class="quiet">{note}</p>
      <form method="post" action={action} data-keep-fragment>
        <label for="password">Password</label>
        {wrong && (
          <p id="password-error" class="error" role="alert">
            That password is not right. Try again.
          </p>
        )}
        <input
          id="password"
          name="password"
          type="password"
          autocomplete="current-password"
          required
          autofocus
          aria-invalid={wrong ? 'true' : undefined}
          aria-describedby={wrong ? 'password-error' : undefined}
        />
        <button type="submit">Open</button>
      </form>
    </Page>
  )
}
