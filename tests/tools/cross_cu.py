#!/usr/bin/env python3
# tests/tools/cross_cu.py DIR: DIR/info.bin and DIR/abbrev.bin, a DWARF 4
# .debug_info of two compile units with abbreviation tables of their own,
# where the first refers to a type of the second (DW_FORM_ref_addr, as
# link-time optimisation writes it): a typedef 't' in a.c names 'struct s'
# of b.c, whose members 'a' and 'b' (int) come after a.c's end. A reader
# that reads the members of 'struct s' with a.c's abbreviations, or bounds
# them by a.c's end, fails or gets them wrong (tests/integ/0007-lto.sh).
import struct, sys

d = sys.argv[1]
C99 = 0x0c
# a.c: 1 compile_unit (children; name string, language data1), 2 typedef (name string, type ref_addr)
abbrev_a = bytes([1, 0x11, 1, 0x03, 0x08, 0x13, 0x0b, 0, 0,
                  2, 0x16, 0, 0x03, 0x08, 0x49, 0x10, 0, 0, 0])
# b.c, other codes: 5 compile_unit, 6 structure_type (children; name, byte_size data1),
# 7 member (name string, type ref4, data_member_location data1), 8 base_type (name, encoding, byte_size)
abbrev_b = bytes([5, 0x11, 1, 0x03, 0x08, 0x13, 0x0b, 0, 0,
                  6, 0x13, 1, 0x03, 0x08, 0x0b, 0x0b, 0, 0,
                  7, 0x0d, 0, 0x03, 0x08, 0x49, 0x13, 0x38, 0x0b, 0, 0,
                  8, 0x24, 0, 0x03, 0x08, 0x3e, 0x0b, 0x0b, 0x0b, 0, 0, 0])
HDR = 11	# unit_length 4, version 2, abbrev_offset 4, address_size 1


def unit(abbrev_off, body):
    return struct.pack('<IHIB', 7 + len(body), 4, abbrev_off, 8) + body


def cstr(s):
    return s.encode() + b'\0'


# b.c's DIEs, offsets relative to its unit
b_cu = bytes([5]) + cstr('b.c') + bytes([C99])
s_off = HDR + len(b_cu)
s_die = bytes([6]) + cstr('s') + bytes([8])
members_len = 2 * (1 + 2 + 4 + 1)
int_off = s_off + len(s_die) + members_len + 1
members = b''.join(bytes([7]) + cstr(n) + struct.pack('<I', int_off) + bytes([loc]) for n, loc in (('a', 0), ('b', 4)))
b_body = b_cu + s_die + members + b'\0' + bytes([8]) + cstr('int') + bytes([5, 4]) + b'\0'
assert len(b_cu + s_die + members + b'\0') + HDR == int_off

a_len = HDR + len(bytes([1]) + cstr('a.c') + bytes([C99]) + bytes([2]) + cstr('t') + b'\0\0\0\0' + b'\0')
a_body = bytes([1]) + cstr('a.c') + bytes([C99]) + bytes([2]) + cstr('t') + struct.pack('<I', a_len + s_off) + b'\0'
info = unit(0, a_body) + unit(len(abbrev_a), b_body)
assert len(unit(0, a_body)) == a_len
open(d + '/info.bin', 'wb').write(info)
open(d + '/abbrev.bin', 'wb').write(abbrev_a + abbrev_b)
