#!/usr/bin/env python3
"""debugsim.py - a simulated device's debug agent on a TCP port, for
tests/cli/debug.sh: the link's framing (COBS, CRC-32), CHALLENGE/AUTH/END
(a fresh nonce each CHALLENGE; an AUTH with another nonce or serial is
refused as the device would, the signature is not checked: the real
check is the device's, tested in QEMU), and HALT/STATE/REGS/CONTINUE/
MEM_READ/MEM_WRITE/BREAK/RESTART over an app's flash and RAM loaded from
binaries.  It runs no code: continued, it halts at its lowest breakpoint
after 0.2 s (or stays running without one) and sends a LINE "tick N"
every 0.1 s.  At the end it writes what it saw to --report (JSON).
usage: debugsim.py PORTFILE KEYID FLASHADDR FLASH.bin RAMADDR RAM.bin REPORT
"""
import json, os, socket, struct, sys, time, zlib

portfile, keyid, flash_addr, flash_bin, ram_addr, ram_bin, report = sys.argv[1:8]
keyid = bytes.fromhex(keyid)
FLASH, RAM = int(flash_addr, 0), int(ram_addr, 0)
flash = bytearray(open(flash_bin, 'rb').read()) + bytearray(4096)
ram = bytearray(open(ram_bin, 'rb').read()) + bytearray(4096)
SERIAL = b'SIM-0001'
S_DEBUG, S_LOG = 4, 2
E_RUNNING, E_ACCESS, E_AUTH, E_FULL, E_UNSUP = 9, 10, 8, 11, 5
seen = {'types': {}, 'ends': 0, 'auth_refused': [], 'max_breaks': 0}
regs = [0] * 17
regs[13] = RAM + 0x800
regs[15] = FLASH
regs[16] = 0x01000000
state = {'st': 0, 'why': 0, 'starts': 1, 'authorized': False, 'nonce': None, 'run_t': time.time()}
breaks = {}  # addr -> original bytes


def cobs_enc(b):
    out, blk = bytearray(), bytearray()
    for x in b:
        if x == 0:
            out += bytes([len(blk) + 1]) + blk
            blk = bytearray()
        else:
            blk.append(x)
            if len(blk) == 254:
                out += bytes([255]) + blk
                blk = bytearray()
    out += bytes([len(blk) + 1]) + blk
    return bytes(out)


def cobs_dec(b):
    out, i = bytearray(), 0
    while i < len(b):
        c = b[i]
        if c == 0 or i + c > len(b) + (0):
            return None
        out += b[i + 1:i + c]
        i += c
        if c < 255 and i < len(b):
            out.append(0)
    return bytes(out)


def frame(stream, typ, flags, seq, payload=b''):
    h = struct.pack('<BBBBHH', 1, stream, typ, flags, seq, len(payload)) + payload
    return b'\0' + cobs_enc(h + struct.pack('<I', zlib.crc32(h))) + b'\0'


def mem(addr, n, write):
    if FLASH <= addr and addr + n <= FLASH + len(flash) and not write:
        return flash, addr - FLASH
    if RAM <= addr and addr + n <= RAM + len(ram):
        return ram, addr - RAM
    return None, 0


def dstate():
    if state['st'] == 0 and time.time() - state['run_t'] > 0.2 and breaks:
        a = min(breaks)
        state['st'], state['why'] = 2, 2
        regs[15] = a
    r = regs if state['st'] == 2 else [0] * 17
    return struct.pack('<4I17I', state['st'], state['why'] if state['st'] == 2 else 0, state['starts'], 0, *r)


def handle(stream, typ, flags, seq, p):
    seen['types'][typ] = seen['types'].get(typ, 0) + 1
    ok = lambda payload=b'': frame(stream, typ, 1, seq, payload)
    err = lambda code, detail=0: frame(stream, typ, 3, seq, struct.pack('<II', code, detail))
    if stream != S_DEBUG:
        return err(E_UNSUP)
    if typ == 1:  # CHALLENGE
        state['nonce'] = os.urandom(16)
        return ok(state['nonce'] + SERIAL.ljust(32, b'\0') + keyid + struct.pack('<II', 3600, 0))
    if typ == 2:  # AUTH
        nonce, state['nonce'] = state['nonce'], None
        if len(p) != 128:
            return err(E_AUTH, 7)
        if p[0x18:0x38] != SERIAL.ljust(32, b'\0'):
            seen['auth_refused'].append('device')
            return err(E_AUTH, 2)
        if nonce is None or p[8:24] != nonce:
            seen['auth_refused'].append('nonce')
            return err(E_AUTH, 3)
        if p[0x38:0x40] != keyid:
            seen['auth_refused'].append('key')
            return err(E_AUTH, 4)
        state['authorized'] = True
        return ok()
    if not state['authorized']:
        return err(E_AUTH, 0)
    if typ == 3:  # END
        seen['ends'] += 1
        for a in list(breaks):
            unbreak(a)
        if state['st'] == 2:
            state['st'] = 0
        state['authorized'] = False
        return ok()
    if typ == 4:  # HALT
        if state['st'] == 0:
            state['st'], state['why'] = 2, 1
        return ok()
    if typ == 5:
        return ok(dstate())
    if typ == 6:
        if state['st'] != 2:
            return err(E_RUNNING)
        v = struct.unpack('<17I', p)
        if v[13] != regs[13]:
            return err(4)
        regs[:] = v
        return ok()
    if typ == 7:
        if state['st'] != 2:
            return err(E_RUNNING)
        state['st'], state['run_t'] = 0, time.time()
        return ok()
    if typ in (8, 9):
        addr, n, _ = struct.unpack('<IHH', p[:8])
        buf, off = mem(addr, n, typ == 9)
        if buf is None or n == 0 or n > 448:
            return err(E_ACCESS, addr)
        if typ == 8:
            return ok(bytes(buf[off:off + n]))
        buf[off:off + n] = p[8:8 + n]
        return ok()
    if typ == 10:
        addr, ins = struct.unpack('<II', p)
        buf, off = mem(addr, 2, 0)
        if buf is not flash or addr & 1:
            return err(E_ACCESS, addr)
        if ins and addr not in breaks:
            if len(breaks) == 8:
                return err(E_FULL)
            breaks[addr] = bytes(flash[off:off + 2])
            flash[off:off + 2] = b'\x00\xbe'
            seen['max_breaks'] = max(seen['max_breaks'], len(breaks))
        elif not ins and addr in breaks:
            unbreak(addr)
        return ok()
    if typ == 11:
        for a in list(breaks):
            unbreak(a)
        state['starts'] += 1
        state['st'], state['run_t'] = 0, time.time()
        return ok()
    return err(E_UNSUP)


def unbreak(a):
    off = a - FLASH
    flash[off:off + 2] = breaks.pop(a)


ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(('127.0.0.1', 0))
ls.listen(1)
with open(portfile + '.tmp', 'w') as f:
    f.write(str(ls.getsockname()[1]))
os.rename(portfile + '.tmp', portfile)
ls.settimeout(60)
for session in range(4):  # one link per mvbuild run
    try:
        c, _ = ls.accept()
    except socket.timeout:
        break
    c.settimeout(0.1)
    buf, tick, last = b'', 0, time.time()
    while True:
        try:
            d = c.recv(4096)
            if not d:
                break
            buf += d
        except socket.timeout:
            pass
        except OSError:
            break
        while b'\0' in buf:
            raw, buf = buf.split(b'\0', 1)
            if not raw:
                continue
            fr = cobs_dec(raw)
            if not fr or len(fr) < 12 or zlib.crc32(fr[:-4]) != struct.unpack('<I', fr[-4:])[0]:
                continue
            v, stream, typ, flags, seq, n = struct.unpack('<BBBBHH', fr[:8])
            try:
                c.sendall(handle(stream, typ, flags, seq, fr[8:8 + n]))
            except OSError:
                break
        if state['st'] == 0 and time.time() - last > 0.1:
            last = time.time()
            tick += 1
            try:
                c.sendall(frame(S_LOG, 1, 0, 0, struct.pack('<II', tick, 0) + b'tick %d' % tick))
            except OSError:
                break
    c.close()
    state['authorized'] = False
    seen['final'] = {'state': state['st'], 'breaks': len(breaks), 'ram': ram[:64].hex()}
    with open(report, 'w') as f:
        json.dump(seen, f)
