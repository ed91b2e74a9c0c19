// Who a link's mail goes to, as its record keeps it: the addresses (`notify`, at most 5) and the
// origin the link was made or last edited at, which the mail's console and stop links name (the
// events queue's consumer has no request to read it from; SIGNET_PUBLIC_ORIGIN, when set, wins).

export type Recipients = { to: string[]; origin: string }

/** What a create or edit asks for: no addresses is no mail (null). */
export function recipientsOf(to: readonly string[], origin: string): Recipients | null {
  const unique = [...new Set(to.map((address) => address.trim()))]
  return unique.length === 0 ? null : { to: unique, origin }
}

/** The API's `notify`: the addresses, none when nobody is told. */
export function notifyOf(recipients: Recipients | null | undefined): string[] {
  return recipients?.to ?? []
}
