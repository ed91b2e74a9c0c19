// Every number the contract or a store fixes, written once, with where it comes from.

/** SigV4: X-Amz-Expires is 1..604800 seconds (7 days). */
export const MAX_EXPIRES_IN = 604800
/** S3 accepts an X-Amz-Date up to 15 minutes ahead of its clock. */
export const MAX_CLOCK_SKEW_SECONDS = 15 * 60
/** A presigned URL's expiry when the request states none (and the scope allows it). */
export const DEFAULT_EXPIRES_IN = 3600

/** POST /v1/presign/batch takes at most this many items. */
export const MAX_BATCH = 1000
/** JSON request bodies under /v1 are at most this large. */
export const MAX_JSON_BODY = 4 * 1024 * 1024

/** S3: a single PUT (or one part) is at most 5 GiB; an object at most 5 TiB. */
export const MAX_PUT_SIZE = 5 * 1024 ** 3
export const MAX_OBJECT_SIZE = 5 * 1024 ** 4
/** S3: every multipart part but the last is at least 5 MiB; part numbers are 1..10000. */
export const MIN_PART_SIZE = 5 * 1024 * 1024
export const MAX_PART_SIZE = MAX_PUT_SIZE
export const MAX_PARTS = 10000
/**
 * Cloudflare's request-body limit on the Free and Pro plans (100 MiB): the default largest single
 * PUT through a gateway bucket (SIGNET_MAX_BODY_BYTES). Business allows 200 MiB, Enterprise 500.
 */
export const DEFAULT_MAX_BODY_BYTES = 100 * 1024 * 1024
/** The gateway stores a form upload in parts of this size (R2 wants equal parts but the last). */
export const POST_PART_SIZE = 8 * 1024 * 1024

/** Share links: default and longest lifetime. */
export const DEFAULT_SHARE_LIFETIME = 7 * 86400
export const MAX_SHARE_LIFETIME = 365 * 86400
/**
 * A redirect share's presigned URL lives at most this long (and never past the share):
 * SIGNET_REDIRECT_SECONDS, default and least.
 */
export const DEFAULT_REDIRECT_SECONDS = 60
export const MIN_REDIRECT_SECONDS = 5
export const MAX_REDIRECT_SECONDS = 3600
/**
 * Share passwords: PBKDF2-SHA256 iterations (Workers' Web Crypto derives at most 100,000), the
 * password's length in characters, and the guessing lock: PASSWORD_LOCK_FAILURES wrong passwords
 * within PASSWORD_LOCK_SECONDS lock the link for everyone until the oldest of them is that old.
 */
export const PASSWORD_ITERATIONS = 100_000
export const MIN_PASSWORD_LENGTH = 8
export const MAX_PASSWORD_LENGTH = 256
export const PASSWORD_LOCK_FAILURES = 10
export const PASSWORD_LOCK_SECONDS = 15 * 60
/** How long an isolate remembers that a password was right (a fingerprint, never the text). */
export const PASSWORD_MEMO_SECONDS = 60
/** A browser that entered a share's password may use that link without it this long (a cookie). */
export const PASSWORD_TICKET_SECONDS = 30 * 60
/** A share page's preview of a text file shows at most this much of it. */
export const TEXT_PREVIEW_BYTES = 64 * 1024
/**
 * SIGNET_SHARE_CHECK_SECONDS: how long an isolate decides a share's uses from what the share's
 * object last said (revocation reaches every isolate within it), and its bounds.
 */
export const DEFAULT_SHARE_CHECK_SECONDS = 1
export const MAX_SHARE_CHECK_SECONDS = 60
/**
 * Leases of a counted share's uses: at most MAX_LEASE at once (an isolate asks for about two
 * seconds of its own rate), one at a time once LEASE_NEAR_END or fewer are left; a lease its
 * isolate never returned is given up LEASE_LAPSE_SECONDS after its end (an isolate reports
 * within seconds while it lives).
 */
export const MAX_LEASE = 4096
export const LEASE_NEAR_END = 8
export const LEASE_LAPSE_SECONDS = 60
/**
 * SIGNET_OBJECT_CACHE_SECONDS: how long a location trusts the version of an object it keeps
 * (a changed or deleted object stops being served within it), its default and bounds; and the
 * largest object the Workers Cache API keeps (512 MB).
 */
export const DEFAULT_OBJECT_CACHE_SECONDS = 10
export const MAX_OBJECT_CACHE_SECONDS = 3600
export const MAX_CACHED_OBJECT_BYTES = 512 * 1000 * 1000
/** SIGNET_WEBHOOK_RETRY_SECONDS: the wait before a failed delivery's first retry (then doubling). */
export const DEFAULT_WEBHOOK_RETRY_SECONDS = 30
/** SIGNET_NOTIFY_SECONDS: a link's later events gather into one mail this long (at most a day). */
export const DEFAULT_NOTIFY_SECONDS = 300
export const MAX_NOTIFY_SECONDS = 86_400
/** How long after a counted proxy download the same client may go on with ranges uncounted. */
export const DOWNLOAD_SESSION_SECONDS = 600

/**
 * A share's audit trail keeps the newest uses that served bytes (downloads and continuations) up
 * to MAX_SERVED_AUDIT_ROWS and, apart from them, the newest MAX_AUDIT_ROWS other uses (views,
 * HEADs, refusals). Refusals are also summed per outcome and address (MAX_REFUSAL_SUMMARIES).
 */
export const MAX_AUDIT_ROWS = 1000
export const MAX_SERVED_AUDIT_ROWS = 10000
export const MAX_REFUSAL_SUMMARIES = 1000
/** A share's counter reaches the D1 index (listings) at most this long after a use. */
export const SHARE_FLUSH_SECONDS = 5

/** Upload links: default and longest lifetime, and the most files one link may take. */
export const DEFAULT_UPLOAD_LINK_LIFETIME = 7 * 86400
export const MAX_UPLOAD_LINK_LIFETIME = 90 * 86400
export const MAX_UPLOAD_LINK_FILES = 10000
/** A file name through an upload link: at most this many bytes of UTF-8 once made safe. */
export const MAX_UPLOAD_NAME_BYTES = 200
/**
 * How long a file an upload link took a place for may take to arrive (a PUT's body, or a browser's
 * multipart upload): a place not filled by then is free again (the part URLs live as long).
 */
export const UPLOAD_SLOT_SECONDS = 3600
/**
 * Every uploader (the CLI's default, the console, an upload link's page) sends a file up to this
 * in one PUT and a larger one as a multipart upload. Workers take request bodies up to 100 MB (the
 * Free and Pro plans), so an upload link's page sends its big files in parts straight to the
 * store.
 */
export const SINGLE_PUT_MAX = 16 * 1024 * 1024
export const UPLOAD_PAGE_PART_SIZE = 16 * 1024 * 1024

/** What the gateway reads of a request before it knows who sent it. */
export const MAX_QUERY_PARAMS = 64
export const MAX_QUERY_BYTES = 16 * 1024
export const MAX_HEADERS = 100
export const MAX_HEADER_BYTES = 32 * 1024

/** A scope is read on every request that uses it: its JSON is at most this large. */
export const MAX_SCOPE_BYTES = 16 * 1024

/** How long an isolate may use a verified API key before asking D1 again (SIGNET_KEY_CACHE_SECONDS). */
export const DEFAULT_KEY_CACHE_SECONDS = 30

/** rateLimitPerMinute tiers: one Workers rate-limiting binding each (RATE_LIMIT_<n>). */
export const RATE_LIMIT_TIERS = [10, 60, 300, 1000, 3000, 10000] as const
export type RateLimitTier = (typeof RATE_LIMIT_TIERS)[number]

/** The CORS doctor: how long it waits for a store's preflight answer, and how many it sends. */
export const CORS_PREFLIGHT_TIMEOUT_MS = 5000
export const MAX_CORS_PREFLIGHTS = 12

/**
 * Folder shares: a page of the folder (its HTML and its JSON) lists at most this many files, one
 * store listing call; the next page is asked for by cursor.
 */
export const FOLDER_PAGE_SIZE = 1000
/**
 * What one folder share's zip may hold, at most (SIGNET_ZIP_MAX_FILES and SIGNET_ZIP_MAX_BYTES
 * may lower them). A zip costs one store read per file and one listing call per 1,000 files, all
 * subrequests of one request (Workers Paid allows 10,000: 9,000 files and their 9 listing calls
 * leave room for the rest), and a CRC-32 over every byte (about 3.4 s of CPU per GiB measured,
 * so 4 GiB fits the default 30 s): docs/SCALING.md has the figures.
 */
export const ZIP_MAX_FILES = 9_000
export const ZIP_MAX_BYTES = 4 * 1024 ** 3

/** The metadata name (x-amz-meta-sha256) under which a multipart upload keeps its SHA-256. */
export const SHA256_METADATA = 'sha256'
