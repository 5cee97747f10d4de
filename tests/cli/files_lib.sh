# SPDX-License-Identifier: MIT
# .npy files for the CLI's file tests (sourced after cli_lib.sh), written by the shell alone.

# make_npy FILE COUNT: a float32 .npy of COUNT values, random bits (NaNs and infinities
# included: the outputs compared are leaky's own, bit for bit).
make_npy() {
  local file=$1 count=$2
  local dict="{'descr': '<f4', 'fortran_order': False, 'shape': ($count,), }"
  local header_len=$(( (10 + ${#dict} + 1 + 63) / 64 * 64 - 10 ))
  { printf '\x93NUMPY\x01\x00'
    printf "\\x$(printf %02x $((header_len & 255)))\\x$(printf %02x $((header_len >> 8)))"
    printf '%s%*s\n' "$dict" $((header_len - ${#dict} - 1)) ''
    head -c $((4 * count)) /dev/urandom
  } >"$file"
}

# temporaries_in DIR: the hidden temporary files outfile.h makes, one a line.
temporaries_in() { find "$1" -maxdepth 1 -name '.*.??????' -type f; }
