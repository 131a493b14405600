#!/usr/bin/python3
"""The MN's map page in a real browser: Debian's chromium, headless, driven
by Debian's python3-selenium through chromium-driver.

  web_map.py shot  --url URL --out FILE.png [--expect NAME,NAME]
      load the page, wait until the named devices are drawn, save a
      screenshot (the demo's picture).
  web_map.py check --url URL --out DIR --device NAME --expect NAME,NAME
                   --sipmob BIN --mn-sock SOCK --dev-sock SOCK --cn-sock SOCK
      load the page, see the room's devices, click NAME and "Move audio
      here", check through the control sockets that the audio moved (the
      device plays the CN, the CN plays the device, the other media stay),
      click "Bring back", check that the audio is at the MN again; count
      the page's JavaScript errors (the browser's SEVERE log lines): none.
      Screenshots go to DIR. Prints one "ok: ..." or "FAIL: ..." line per
      check and a JSON summary last; exits 0 only when every check held.

Both run the browser as a phone would show the page (412x915).
"""
import argparse
import json
import os
import subprocess
import sys
import time

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

PHONE = (412, 915)


def browser(size=PHONE):
    opts = webdriver.ChromeOptions()
    opts.binary_location = '/usr/bin/chromium'
    for a in ('--headless=new', '--no-sandbox', '--disable-gpu',
              '--disable-dev-shm-usage', '--no-first-run',
              '--disable-extensions', '--disable-background-networking',
              '--window-size=%d,%d' % size):
        opts.add_argument(a)
    opts.set_capability('goog:loggingOptions', {'browser': 'ALL'})
    drv = webdriver.Chrome(service=Service('/usr/bin/chromedriver'),
                           options=opts)
    drv.set_page_load_timeout(20)
    return drv


def wait(secs, fn, every=0.1):
    """fn() until it gives something true, for at most secs: its value or
    None"""
    end = time.time() + secs
    while True:
        try:
            v = fn()
            if v:
                return v
        except (WebDriverException, ValueError, KeyError, IndexError,
                TypeError, subprocess.SubprocessError):
            pass
        if time.time() >= end:
            return None
        time.sleep(every)


def device_el(drv, name):
    return drv.find_element(
        By.XPATH, "//button[contains(@class,'device')]"
        "[./span[@class='name' and normalize-space(text())='%s']]" % name)


def names_drawn(drv):
    return sorted(e.text.strip() for e in
                  drv.find_elements(By.CSS_SELECTOR, '.device .name'))


def wait_devices(drv, expect, secs=20):
    return wait(secs, lambda: all(n in names_drawn(drv) for n in expect))


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def __call__(self, what, ok):
        if ok:
            self.passed += 1
            print('ok: ' + what, flush=True)
        else:
            self.failed += 1
            print('FAIL: ' + what, flush=True)
        return ok


def stat(args, sock):
    out = subprocess.run([args.sipmob, '-C', sock, 'status', '--json'],
                         capture_output=True, text=True, timeout=10).stdout
    return json.loads(out)


def ctl(args, *words):
    subprocess.run([args.sipmob, '-C', args.mn_sock] + list(words),
                   capture_output=True, timeout=30, check=False)


def medium(st, kind):
    for m in st.get('call', {}).get('media', []):
        if m['type'] == kind:
            return m
    return None


def grows(secs, fn, n):
    """the count fn() rises by n within secs"""
    v0 = fn()
    return wait(secs, lambda: fn() >= v0 + n) is not None


def severe(drv):
    return [e for e in drv.get_log('browser') if e.get('level') == 'SEVERE']


def cmd_shot(args):
    drv = browser((PHONE[0], args.height))
    try:
        drv.get(args.url)
        expect = [n for n in (args.expect or '').split(',') if n]
        if expect and not wait_devices(drv, expect):
            print('shot: the devices %s did not appear; drawn: %s'
                  % (expect, names_drawn(drv)), file=sys.stderr)
        wait(3, lambda: drv.find_element(By.ID, 'live').text == 'live')
        wait(5, lambda: drv.find_elements(By.CSS_SELECTOR, '#ladder li'))
        drv.save_screenshot(args.out)
        print(args.out)
        errs = severe(drv)
        for e in errs:
            print('javascript error: ' + e.get('message', ''),
                  file=sys.stderr)
        return 0 if not errs else 1
    finally:
        drv.quit()


def cmd_check(args):
    ok = Checks()
    os.makedirs(args.out, exist_ok=True)
    expect = [n for n in args.expect.split(',') if n]
    summary = {}
    drv = browser()
    try:
        drv.get(args.url)
        ok('the page loads (title %r)' % drv.title,
           'where am i' in drv.title.lower())
        if not ok('the room\'s devices are drawn: %s' % ','.join(expect),
                  wait_devices(drv, expect)):
            print('drawn: %s' % names_drawn(drv))
            return ok
        ok('the status stream is live',
           wait(10, lambda: drv.find_element(By.ID, 'live').text == 'live'))
        ok('the page shows the call established', wait(
            10, lambda: drv.find_element(By.ID, 'call-state').text.lower()
            == 'established'))
        drv.save_screenshot(os.path.join(args.out, 'map-before.png'))

        mn0 = stat(args, args.mn_sock)
        others0 = {m['type']: m['at'] for m in mn0['call']['media']
                   if m['type'] != 'audio'}
        dev = device_el(drv, args.device)
        url = dev.get_attribute('data-url')
        dev.click()
        ok('the device\'s menu opens',
           wait(5, lambda: drv.find_element(By.ID, 'menu').is_displayed()))
        btn = drv.find_element(
            By.CSS_SELECTOR, "#menu button[data-action='audio']")
        ok('it offers "Move audio here"',
           btn.is_displayed() and btn.text == 'Move audio here')
        t0 = time.time()
        btn.click()
        at = wait(20, lambda: medium(stat(args, args.mn_sock), 'audio')
                  ['at'] == url)
        summary['move_s'] = round(time.time() - t0, 2)
        ok('the MN says the audio is at %s' % url, at)
        dst = lambda: stat(args, args.dev_sock)['streams'][0]
        cnst = lambda: stat(args, args.cn_sock)['streams'][0]
        ok('%s plays the CN' % args.device,
           grows(10, lambda: dst()['played_packets'], 25))
        ok('%s hears the CN\'s stream' % args.device,
           wait(10, lambda: dst()['rx_ssrc'] == cnst()['tx_ssrc']))
        ok('the CN plays %s' % args.device,
           wait(10, lambda: cnst()['rx_ssrc'] == dst()['tx_ssrc']))
        mn1 = stat(args, args.mn_sock)
        others1 = {m['type']: m['at'] for m in mn1['call']['media']
                   if m['type'] != 'audio'}
        ok('the other media stay where they were: %s' % others1,
           others1 == others0)
        ok('the page draws the audio at %s' % args.device,
           wait(10, lambda: 'audio here' in device_el(drv, args.device)
                .text))
        ok('the page shows the transfer\'s ladder', wait(
            10, lambda: len(drv.find_elements(By.CSS_SELECTOR,
                                              '#ladder li')) >= 3))
        mn2 = wait(20, lambda: (lambda st: st if not st['call']
                                ['transferring'] and st['call'].get(
                                    'last_transfer') else None)(
                                        stat(args, args.mn_sock)))
        ok('the MN reports the transfer', mn2)
        lt = (mn2 or mn1)['call'].get('last_transfer', {})
        summary['latency_ms'] = lt.get('latency_ms')
        summary['lapse_packets'] = lt.get('lapse_packets')
        summary['disruption_ms'] = lt.get('disruption_ms')
        summary['ladder_steps'] = len(lt.get('ladder', []))
        summary['page_latency'] = drv.find_element(By.ID,
                                                   'xfer-latency').text
        wait(10, lambda: not drv.find_element(By.ID, 'busy')
             .is_displayed())
        shot = os.path.join(args.out, 'map-moved.png')
        drv.save_screenshot(shot)
        summary['screenshot'] = shot

        back = drv.find_element(By.ID, 'bring-back')
        ok('"Bring back" is offered', wait(5, back.is_enabled))
        back.click()
        ok('the MN says the audio is back at the MN', wait(
            20, lambda: medium(stat(args, args.mn_sock), 'audio')['at']
            == 'self'))
        mnst = lambda: medium(stat(args, args.mn_sock), 'audio')
        ok('the CN plays the MN again',
           wait(10, lambda: cnst()['rx_ssrc'] == mnst()['tx_ssrc']))
        ok('the MN plays the CN again',
           grows(10, lambda: mnst()['played_packets'], 25))
        ok('the page no longer draws media at %s' % args.device, wait(
            10, lambda: 'here' not in device_el(drv, args.device).text))
        drv.save_screenshot(os.path.join(args.out, 'map-back.png'))

        # the user walks out of room 123 with the audio on its device:
        # the page offers it back, and its button brings it back
        ctl(args, 'location', 'set', '--room', '123')
        ctl(args, 'move', '--audio', url)
        ok('(the audio is at %s again)' % args.device, wait(
            20, lambda: medium(stat(args, args.mn_sock), 'audio')['at']
            == url))
        ctl(args, 'location', 'set', '--room', '122')
        left = drv.find_element(By.ID, 'left')
        ok('leaving the room, the page offers the audio back',
           wait(15, left.is_displayed) and
           'audio' in drv.find_element(By.ID, 'left-text').text)
        drv.save_screenshot(os.path.join(args.out, 'map-left.png'))
        drv.find_element(By.ID, 'left-back').click()
        ok('its "Bring it back" brings the audio back to the MN', wait(
            20, lambda: medium(stat(args, args.mn_sock), 'audio')['at']
            == 'self'))
        ok('the CN plays the MN again (after leaving)',
           wait(10, lambda: cnst()['rx_ssrc'] == mnst()['tx_ssrc']))
        ok('the offer is gone from the page',
           wait(10, lambda: not left.is_displayed()))
        errs = severe(drv)
        for e in errs:
            print('javascript error: ' + e.get('message', ''))
        summary['javascript_errors'] = len(errs)
        ok('no JavaScript errors (%d)' % len(errs), not errs)
    finally:
        drv.quit()
        summary['passed'] = ok.passed
        summary['failed'] = ok.failed
        print(json.dumps(summary), flush=True)
    return ok


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = p.add_subparsers(dest='cmd', required=True)
    s = sub.add_parser('shot')
    s.add_argument('--url', required=True)
    s.add_argument('--out', required=True)
    s.add_argument('--expect')
    s.add_argument('--height', type=int, default=PHONE[1],
                   help='a taller phone shows the whole page')
    c = sub.add_parser('check')
    for a in ('--url', '--out', '--device', '--expect', '--sipmob',
              '--mn-sock', '--dev-sock', '--cn-sock'):
        c.add_argument(a, required=True)
    args = p.parse_args()
    if args.cmd == 'shot':
        return cmd_shot(args)
    res = cmd_check(args)
    return 0 if res.failed == 0 and res.passed > 0 else 1


if __name__ == '__main__':
    sys.exit(main())
