#!/usr/bin/env python3
"""Exits 0 when the file is a complete stylize-gpu VGG19 safetensors file (header and size)."""
import json
import os
import struct
import sys

path = sys.argv[1]
with open(path, "rb") as f:
    (length,) = struct.unpack("<Q", f.read(8))
    header = json.loads(f.read(length))
if header.get("__metadata__", {}).get("format") != "stylize-gpu-vgg19-q8":
    sys.exit(1)
end = max(entry["data_offsets"][1] for name, entry in header.items() if name != "__metadata__")
sys.exit(0 if os.path.getsize(path) == 8 + length + end else 1)
