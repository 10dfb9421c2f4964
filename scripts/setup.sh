#!/bin/bash
# setup.sh - install what mvbuild needs on Debian bookworm, only what is
# missing, with --no-install-recommends.  Sourced or run by demo.sh and
# test.sh; safe to run again (installs nothing the second time).
set -eu

PKGS=(
	cmake make gcc pkg-config           # host build
	libyaml-dev libmbedtls-dev libelf-dev zlib1g-dev libcmocka-dev
	gcc-arm-none-eabi binutils-arm-none-eabi  # firmware and example apps
	picolibc-arm-none-eabi              # the C library apps link by default (no package pulls it in)
	lld-14                              # apps built with clang (clang-14 below) link with ld.lld
	qemu-system-arm                     # the device
	gdb-multiarch                       # flashing and debugging over the GDB protocol
	stlink-tools openocd                # the ST-Link and OpenOCD probes of 'mvbuild flash'
	libcurl4-openssl-dev                # 'mvbuild publish/fetch' to HTTP(S) (WebDAV) repositories
	nginx-light                         # tests: a real WebDAV server (its built-in dav module)
	python3                             # tests: tests/qemu/ota.py (its standard library, not just -minimal)
	openssl                             # tests: tests/qemu/remote.py signs with it (an independent signer)
	python3-jsonschema                  # tests, demo.sh: SBOMs against the CycloneDX schema (tests/tools/sbom-validate.py)
	radosgw ceph-mon ceph-osd curl      # tests: an S3 server (tests/tools/s3-server.sh: radosgw on a one-node Ceph)
	clang-14 libclang-rt-14-dev llvm-14  # libFuzzer harnesses (llvm-symbolizer for readable reports), clang apps
)

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
command -v python3 >/dev/null 2>&1 || missing+=(python3-minimal)

if [ "${#missing[@]}" -gt 0 ]; then
	echo "setup: installing ${missing[*]}"
	SUDO=
	[ "$(id -u)" -eq 0 ] || SUDO=sudo
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "setup: all packages present"
