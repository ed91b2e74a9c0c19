"""Presigns requests with Debian's botocore, as an independent oracle for Signet's signer.

stdin: a JSON list of {method, scheme, host, bucket, key, pathStyle, params, headers, datetime,
expiresIn, accessKeyId, secretAccessKey, sessionToken}. stdout: a JSON list of presigned URLs.
The key is encoded the way botocore's S3 serializer encodes a greedy label; botocore does the rest.
"""
import json
import sys

from botocore.auth import S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.utils import percent_encode


class FixedTimeS3SigV4QueryAuth(S3SigV4QueryAuth):
    """botocore's own add_auth, with the timestamp given instead of read from the clock."""

    def __init__(self, timestamp, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._timestamp = timestamp

    def add_auth(self, request):
        request.context['timestamp'] = self._timestamp
        self._modify_request_before_signing(request)
        canonical_request = self.canonical_request(request)
        string_to_sign = self.string_to_sign(request, canonical_request)
        signature = self.signature(string_to_sign, request)
        self._inject_signature_to_request(request, signature)


def presign(item):
    key_path = percent_encode(item['key'], safe='/~')
    if item['pathStyle']:
        path = '/' + percent_encode(item['bucket'], safe='~') + '/' + key_path
    else:
        path = '/' + key_path
    url = item['scheme'] + '://' + item['host'] + path
    request = AWSRequest(method=item['method'], url=url, headers=item['headers'])
    request.params = dict(item['params'])
    credentials = Credentials(
        item['accessKeyId'], item['secretAccessKey'], item.get('sessionToken')
    )
    auth = FixedTimeS3SigV4QueryAuth(
        item['datetime'], credentials, 's3', item['region'], expires=item['expiresIn']
    )
    auth.add_auth(request)
    return request.url


def main():
    items = json.load(sys.stdin)
    json.dump([presign(item) for item in items], sys.stdout)


if __name__ == '__main__':
    main()
