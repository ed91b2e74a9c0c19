// The page a browser gets for a password-protected share link: the file's name and a password
// form, nothing else about the file. The form posts to the link, which answers with a cookie for
// this link and sends the browser back to it.
import type { ShareRecord } from '../share/record'
import { shownName } from '../share/use'
import { Page } from './layout'

export function PasswordPage(props: { share: ShareRecord; wrong: boolean }) {
  const { share, wrong } = props
  const name = shownName(share)
  return (
    <Page head={{ title: name }}>
      <h1>{name}</h1>
      <p class="quiet">This file is protected by a password.</p>
      <form method="post" action={`/s/${share.id}`}>
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
