// The request and answer schemas, one file per feature (common primitives first): the same
// objects validate requests and generate /openapi.json. Importers name `../schemas`.
export * from './common'
export * from './inspect'
export * from './keys'
export * from './list'
export * from './presign'
export * from './shares'
export * from './upload-links'
export * from './uploads'
export * from './webhooks'
