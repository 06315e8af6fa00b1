// Pure: the rate-limit subject of a client address (no services).
import { describe, expect, it } from 'vitest';
import { addressSubject } from '../../apps/api/src/middleware/client-address.ts';

describe('addressSubject (issue 10 item 9: per-address limits)', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['::FFFF:203.0.113.7', '203.0.113.7'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002:ffff:ffff:ffff:ffff', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::1', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    [undefined, 'unknown'],
  ])('%s → %s', (address, subject) => {
    expect(addressSubject(address)).toBe(subject);
  });

  it('gives every address of one /64 the same subject, and the next /64 another', () => {
    expect(addressSubject('2001:db8:aa:bb::1')).toBe(addressSubject('2001:db8:aa:bb:ffff:1:2:3'));
    expect(addressSubject('2001:db8:aa:bb::1')).not.toBe(addressSubject('2001:db8:aa:bc::1'));
  });
});
