// Validates /openapi.json against the OpenAPI 3.1 schema with an independent validator.
import { Validator } from '@seriousme/openapi-schema-validator'
import { describe, expect, it } from 'vitest'
import { app } from '../../src/app'

describe('/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const response = await app.request('http://signet.test/openapi.json')
    expect(response.status).toBe(200)
    const doc = await response.json()
    const validator = new Validator()
    const result = await validator.validate(doc)
    expect(result.errors ?? []).toEqual([])
    expect(result.valid).toBe(true)
    expect(validator.version).toBe('3.1')
  })

  it('names every operation in a few words (the reference sidebar), details in its description', async () => {
    const doc = (await (await app.request('http://signet.test/openapi.json')).json()) as {
      paths: Record<string, Record<string, { summary?: string; description?: string }>>
    }
    const long = Object.entries(doc.paths).flatMap(([path, operations]) =>
      Object.entries(operations).flatMap(([method, operation]) =>
        (operation.summary ?? '').length > 48 || !operation.summary
          ? [`${method.toUpperCase()} ${path}: ${operation.summary ?? '(none)'}`]
          : [],
      ),
    )
    expect(long).toEqual([])
  })
})
