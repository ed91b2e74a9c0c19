// Headers for objects served from Signet's own origin (the gateway and proxy-mode share links).

/**
 * An uploaded HTML file must not run script on Signet's origin: the sandbox keeps a document in
 * an opaque origin; images and downloads are unaffected.
 */
export const OBJECT_SAFETY_HEADERS: readonly (readonly [string, string])[] = [
  ['Content-Security-Policy', 'sandbox'],
  ['X-Content-Type-Options', 'nosniff'],
]
