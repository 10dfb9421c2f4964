#!/bin/bash
# build.sh - configure and build mvbuild into build/ (warnings are errors).
set -eu
cd "$(dirname "$0")/.."
cmake -S . -B build -DMVB_WERROR=ON ${MVB_CMAKE_ARGS:-} >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
echo "build: $(build/mvbuild --version) in build/"
