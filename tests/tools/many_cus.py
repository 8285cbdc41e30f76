#!/usr/bin/env python3
# tests/tools/many_cus.py N DIR: DIR/info.bin and DIR/abbrev.bin, a
# .debug_info of N DWARF 4 compile units, each holding one base type "int"
# (20 bytes a CU), and its .debug_abbrev, for objcopy --add-section onto
# an empty object (tests/integ/0022-pathological.sh).
import struct, sys
n, d = int(sys.argv[1]), sys.argv[2]
die = b'\x01' + b'\x02int\x00\x05\x04' + b'\x00'	# CU (children), base_type int, end
cu = struct.pack('<IHIB', 7 + len(die), 4, 0, 8) + die
open(d + '/info.bin', 'wb').write(cu * n)
# 1: compile_unit, has children, no attributes
# 2: base_type: name (string), encoding (data1), byte_size (data1)
open(d + '/abbrev.bin', 'wb').write(bytes([1, 0x11, 1, 0, 0, 2, 0x24, 0, 0x03, 0x08, 0x3e, 0x0b, 0x0b, 0x0b, 0, 0, 0]))
