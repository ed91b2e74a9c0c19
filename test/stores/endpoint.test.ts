// What an endpoint's host says: the provider, and the region it signs with when none is named.
import { describe, expect, it } from 'vitest'
import { defaultRegion } from '../../src/stores/endpoint'

describe('the default region of an endpoint', () => {
  it.each([
    ['https://0123456789abcdef.r2.cloudflarestorage.com', 'auto'],
    ['https://0123456789abcdef.eu.r2.cloudflarestorage.com', 'auto'],
    ['https://storage.googleapis.com', 'auto'],
    ['https://s3.eu-west-1.amazonaws.com', 'eu-west-1'],
    ['https://s3-ap-southeast-2.amazonaws.com', 'ap-southeast-2'],
    ['https://s3.dualstack.us-gov-west-1.amazonaws.com', 'us-gov-west-1'],
    ['https://s3.amazonaws.com', 'us-east-1'],
    ['https://minio.example.com', undefined],
    ['https://s3.example.amazonaws.com.evil.test', undefined],
  ])('%s signs with %s', (endpoint, region) => {
    expect(defaultRegion(new URL(endpoint))).toBe(region)
  })
})
