# The cffi extension built from csrc/ by csrc/build_native.py: its ffi and lib are
# untyped, and this stub keeps that Any in one place.
from typing import Any

ffi: Any
lib: Any
