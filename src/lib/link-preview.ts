// Who opens a share link: a person's browser, a chat app's link-preview bot, or a program. Pure.
// Chat apps fetch a pasted link to build its preview; a share that opens on a page shows them the
// page, so a preview never uses up a counted link.

/**
 * User agents of link-preview and crawler bots (case-insensitive substrings). They send all kinds
 * of Accept headers, some none at all, so they are known by name.
 */
const PREVIEW_BOTS = [
  'slackbot', // Slackbot-LinkExpanding, Slack-ImgProxy
  'slack-imgproxy',
  'discordbot',
  'twitterbot',
  'facebookexternalhit',
  'facebookcatalog',
  'facebot',
  'meta-externalagent',
  'whatsapp',
  'telegrambot',
  'linkedinbot',
  'skypeuripreview', // Microsoft Teams and Skype
  'microsoftpreview', // Teams, Outlook
  'mattermost',
  'rocket.chat',
  'zulip',
  'redditbot',
  'pinterest',
  'embedly',
  'iframely',
  'vkshare',
  'viber',
  'line/',
  'kakaotalk-scrap',
  'snapchat',
  'applebot',
  'googlebot',
  'google-pagerenderer',
  'bingbot',
  'bingpreview',
  'duckduckbot',
  'yandex',
  'mastodon',
  'pleroma',
  'misskey',
  'bluesky',
  'cardyb',
  'threema',
  'nextcloud',
  'opengraph',
  'og-scraper',
]

export function isLinkPreviewBot(userAgent: string | null | undefined): boolean {
  if (!userAgent) return false
  const agent = userAgent.toLowerCase()
  return PREVIEW_BOTS.some((name) => agent.includes(name))
}

/** A browser navigating: it asks for HTML. curl, wget and SDKs do not. */
export function asksForHtml(accept: string | null | undefined): boolean {
  return /\btext\/html\b/i.test(accept ?? '')
}

/** Whether a request for a share link should get its page (when the share has one). */
export function wantsSharePage(headers: Headers): boolean {
  return asksForHtml(headers.get('accept')) || isLinkPreviewBot(headers.get('user-agent'))
}
