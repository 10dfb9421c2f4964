/*
 * checks.h - every diagnostic id mvbuild can report, with its default
 * severity and a one-line summary.
 *
 * Ids are a stable interface: tests, JSON consumers and users' CI match on
 * them, so an id is never renamed or reused.  mvbuild-check(1) lists them and
 * a test checks that page against this table.
 *
 * X(c-identifier, "id", default-severity, "summary")
 */
#ifndef MVB_CHECKS_H
#define MVB_CHECKS_H

#define MVB_CHECK_TABLE(X) \
	/* YAML layer (board and app manifests) */ \
	X(YAML_SYNTAX, "yaml-syntax", ERROR, "the file is not well-formed YAML") \
	X(YAML_DUPLICATE_KEY, "yaml-duplicate-key", ERROR, "a mapping has the same key twice") \
	X(YAML_ALIAS, "yaml-alias", ERROR, "anchors and aliases are not allowed in manifests") \
	X(YAML_TAG, "yaml-tag", ERROR, "explicit YAML tags are not allowed in manifests") \
	X(YAML_DOCUMENTS, "yaml-documents", ERROR, "a manifest holds exactly one YAML document") \
	X(YAML_LIMIT, "yaml-limit", ERROR, "the document is too deep or too large") \
	X(YAML_UNKNOWN_KEY, "yaml-unknown-key", ERROR, "a key the schema does not define") \
	X(YAML_MISSING_KEY, "yaml-missing-key", ERROR, "a required key is absent") \
	X(YAML_TYPE, "yaml-type", ERROR, "a value has the wrong type") \
	X(YAML_RANGE, "yaml-range", ERROR, "a number is out of range") \
	X(YAML_ENUM, "yaml-enum", ERROR, "a value is not one of the allowed words") \
	/* board manifest model */ \
	X(BOARD_SCHEMA, "board-schema", ERROR, "unsupported board manifest schema version") \
	X(BOARD_NAME, "board-name", ERROR, "a name has characters outside [a-z0-9_-] or is too long") \
	X(BOARD_DUPLICATE, "board-duplicate", ERROR, "two memories, partitions or peripherals share a name") \
	X(BOARD_UNKNOWN_REF, "board-unknown-ref", ERROR, "a reference names no memory or peripheral of the board") \
	X(BOARD_GRANULE, "board-granule", ERROR, "a granule or block size is not a power of two") \
	X(BOARD_MEMORY_ALIGN, "board-memory-align", ERROR, "a memory base or size is not a multiple of its granule") \
	X(BOARD_MEMORY_OVERLAP, "board-memory-overlap", ERROR, "two memory aliases overlap") \
	X(BOARD_PARTITION_OUTSIDE, "board-partition-outside", ERROR, "a partition extends past the end of its memory") \
	X(BOARD_PARTITION_ALIGN, "board-partition-align", ERROR, "a partition is not aligned to its memory's security or erase granule") \
	X(BOARD_PARTITION_OVERLAP, "board-partition-overlap", ERROR, "two partitions overlap") \
	X(BOARD_PARTITION_ROLE, "board-partition-role", ERROR, "a required partition role is missing, repeated or in the wrong world") \
	X(BOARD_PERIPHERAL_OVERLAP, "board-peripheral-overlap", ERROR, "two peripheral blocks overlap, or one overlaps a memory") \
	X(BOARD_IRQ, "board-irq", ERROR, "an IRQ number is out of range or claimed by two peripherals") \
	X(BOARD_GATE, "board-gate", ERROR, "an app-assignable peripheral has no security gate, or two share one") \
	X(BOARD_PIN, "board-pin", ERROR, "a pin is not PXn with an alternate function 0-15, or belongs to two peripherals") \
	X(BOARD_CONSOLE, "board-console", ERROR, "the console is not a microvisor-owned peripheral") \
	X(BOARD_LINK, "board-link", ERROR, "the link is not a microvisor-owned peripheral with an interrupt, or is the console") \
	/* app manifest */ \
	X(APP_SCHEMA, "app-schema", ERROR, "unsupported app manifest schema version") \
	X(APP_NAME, "app-name", ERROR, "the app name is empty, too long or has characters outside [A-Za-z0-9._-]") \
	X(APP_VERSION, "app-version", ERROR, "the version is not MAJOR.MINOR.PATCH within 255.255.65535") \
	X(APP_MANIFEST_MISSING, "app-manifest-missing", WARNING, "no app manifest: neither --app nor an embedded .mvb.app section") \
	X(APP_MANIFEST_DIFFERS, "app-manifest-differs", WARNING, "the --app manifest differs from the one embedded in the ELF") \
	X(PERIPH_UNKNOWN, "periph-unknown", ERROR, "the app declares a peripheral the board does not have") \
	X(PERIPH_NOT_ASSIGNABLE, "periph-not-assignable", ERROR, "the app declares a peripheral the microvisor keeps") \
	X(IRQ_NOT_OWNED, "irq-not-owned", ERROR, "the app declares an IRQ that belongs to none of its peripherals") \
	X(IRQ_HANDLER_UNDECLARED, "irq-handler-undeclared", WARNING, "the vector table installs a handler for an IRQ the app did not declare") \
	X(PERIPH_LITERAL, "periph-literal", WARNING, "code or data holds the address of a peripheral the app did not declare") \
	X(SECURE_LITERAL, "secure-literal", WARNING, "code or data holds an address in secure memory or a secure peripheral alias") \
	/* ELF structure */ \
	X(ELF_TRUNCATED, "elf-truncated", ERROR, "the file ends inside the ELF header") \
	X(ELF_MAGIC, "elf-magic", ERROR, "not an ELF file") \
	X(ELF_CLASS, "elf-class", ERROR, "not a 32-bit ELF file") \
	X(ELF_DATA, "elf-data", ERROR, "not a little-endian ELF file") \
	X(ELF_VERSION, "elf-version", ERROR, "unknown ELF version") \
	X(ELF_TYPE, "elf-type", ERROR, "not an executable (ET_EXEC)") \
	X(ELF_MACHINE, "elf-machine", ERROR, "not an ARM ELF file") \
	X(ELF_EABI, "elf-eabi", ERROR, "not an ARM EABI version 5 file") \
	X(ELF_HEADER_SIZE, "elf-header-size", ERROR, "e_ehsize, e_phentsize or e_shentsize does not match ELF32") \
	X(ELF_PHDR_RANGE, "elf-phdr-range", ERROR, "the program header table lies outside the file") \
	X(ELF_SHDR_RANGE, "elf-shdr-range", ERROR, "the section header table lies outside the file") \
	X(ELF_SHNUM, "elf-shnum", ERROR, "section count or extended numbering is inconsistent") \
	X(ELF_SHSTRNDX, "elf-shstrndx", ERROR, "the section name table index is invalid") \
	X(ELF_STRTAB, "elf-strtab", ERROR, "a string table is empty or not NUL-terminated") \
	X(ELF_NAME_RANGE, "elf-name-range", ERROR, "a name offset points outside its string table") \
	X(ELF_SECTION_RANGE, "elf-section-range", ERROR, "a section's bytes lie outside the file") \
	X(ELF_SECTION_LINK, "elf-section-link", ERROR, "a section's link points to a missing or wrong section") \
	X(ELF_ENTSIZE, "elf-entsize", ERROR, "a table section has a wrong entry size or a size that is not a multiple of it") \
	X(ELF_COMPRESSED, "elf-compressed", ERROR, "compressed sections are not supported") \
	X(ELF_SYMBOL, "elf-symbol", ERROR, "a symbol refers to a missing section") \
	X(ELF_SEGMENT_RANGE, "elf-segment-range", ERROR, "a segment's file bytes lie outside the file") \
	X(ELF_SEGMENT_SIZE, "elf-segment-size", ERROR, "a segment has p_filesz > p_memsz or wraps the address space") \
	X(ELF_SEGMENT_ALIGN, "elf-segment-align", ERROR, "a segment's p_align is not a power of two") \
	X(ELF_NO_LOAD, "elf-no-load", ERROR, "the file has no loadable segment") \
	/* architecture */ \
	X(ARCH_ATTRIBUTES, "arch-attributes", WARNING, "no usable .ARM.attributes section: architecture not checked") \
	X(ARCH_PROFILE, "arch-profile", ERROR, "code built for an architecture the board's core cannot run") \
	X(ARCH_FPU, "arch-fpu", ERROR, "code uses floating point the board's FPU does not have, or a float ABI it cannot call") \
	X(ENTRY_THUMB, "entry-thumb", ERROR, "the entry point is not a Thumb address") \
	X(ENTRY_RANGE, "entry-range", ERROR, "the entry point is outside the app's code") \
	/* layout */ \
	X(SEGMENT_OUTSIDE, "segment-outside", ERROR, "a segment lies in no partition the app may use") \
	X(SEGMENT_SECURE, "segment-secure", ERROR, "a segment lies in secure memory, the NSC region or a microvisor partition") \
	X(SEGMENT_PERIPHERAL, "segment-peripheral", ERROR, "a segment lies in peripheral address space") \
	X(PARTITION_OVERFLOW, "partition-overflow", ERROR, "a segment starts in an app partition and ends past it") \
	X(SEGMENT_OVERLAP, "segment-overlap", ERROR, "two segments overlap in load or run address") \
	X(VECTOR_MISSING, "vector-missing", ERROR, "no vector table at the start of the app flash partition") \
	X(VECTOR_ALIGN, "vector-align", ERROR, "the app flash start is not aligned as VTOR requires for the board's IRQ count") \
	X(VECTOR_SP, "vector-sp", ERROR, "the initial stack pointer is outside app RAM or not 8-byte aligned") \
	X(VECTOR_HANDLER, "vector-handler", ERROR, "a reset, exception or IRQ handler is not a Thumb address inside app flash") \
	/* microvisor calls */ \
	X(MV_API_MISSING, "mv-api-missing", WARNING, "no secure entry table for this board: microvisor calls not checked") \
	X(MV_CALL_UNKNOWN, "mv-call-unknown", ERROR, "a reference into the NSC region matches no entry the firmware exports") \
	/* bundles */ \
	X(BUNDLE_TRUNCATED, "bundle-truncated", ERROR, "the bundle ends inside a structure") \
	X(BUNDLE_MAGIC, "bundle-magic", ERROR, "not an mvbuild bundle") \
	X(BUNDLE_FORMAT, "bundle-format", ERROR, "a bundle format version this mvbuild does not read") \
	X(BUNDLE_FIELD, "bundle-field", ERROR, "a bundle field holds a value outside what the format allows") \
	X(BUNDLE_LAYOUT, "bundle-layout", ERROR, "bundle parts are not where the header says, overlap, or leave gaps or trailing bytes") \
	X(BUNDLE_CHUNK_HASH, "bundle-chunk-hash", ERROR, "a payload chunk does not match its signed hash") \
	X(BUNDLE_DECODE, "bundle-decode", ERROR, "a layer's encoded stream does not decode to its stated size") \
	X(BUNDLE_IMAGE_HASH, "bundle-image-hash", ERROR, "a decoded layer does not match its signed SHA-256") \
	X(KEY_FORMAT, "key-format", ERROR, "a key file is not a P-256 key mvbuild can use, or its passphrase is wrong") \
	X(SIGN_FULL, "sign-full", ERROR, "the bundle already holds the most signatures the format allows, by other keys") \
	X(BUNDLE_SIGNATURE, "bundle-signature", ERROR, "a signature by a trusted key does not verify") \
	X(BUNDLE_UNSIGNED, "bundle-unsigned", ERROR, "no signature by any trusted key") \
	X(BUNDLE_BOARD, "bundle-board", ERROR, "the bundle is for another board") \
	X(BUNDLE_BASE, "bundle-base", ERROR, "a delta layer's base bundle is not given or does not hold its base image") \
	X(BUNDLE_LAYER_START, "bundle-layer-start", ERROR, "a layer does not start at the first byte of its partition, or lies in its other security alias") \
	X(BUNDLE_LAYER_PARTITION, "bundle-layer-partition", ERROR, "a layer's bytes land in a partition of another role") \
	X(BUNDLE_LAYER_OUTSIDE, "bundle-layer-outside", ERROR, "a layer's bytes lie outside every partition of the board") \
	/* images read back (factory images for flash) */ \
	X(IMAGE_FORMAT, "image-format", ERROR, "a file to flash is neither a bundle, an ELF file nor Intel HEX") \
	X(IMAGE_LIMIT, "image-limit", ERROR, "an image has more separate pieces, or spans more bytes, than mvbuild handles") \
	X(RUN_STATUS, "run-status", ERROR, "the device ended its run under QEMU with a status other than 0") \
	X(SERVE_REFUSED, "serve-refused", ERROR, "the device on the link refused the update the repository offers") \
	X(SERVE_REVERTED, "serve-reverted", ERROR, "the device rejected the release it installed on trial and reverted it") \
	X(IHEX_RECORD, "ihex-record", ERROR, "an Intel HEX record is malformed: syntax, length, checksum, type or address") \
	/* delta patches */ \
	X(DELTA_TRUNCATED, "delta-truncated", ERROR, "the patch ends inside its header or before the parts it describes") \
	X(DELTA_HEADER, "delta-header", ERROR, "a patch header field holds a value outside what the format allows") \
	X(DELTA_CORRUPT, "delta-corrupt", ERROR, "the patch's index or step streams are malformed") \
	X(DELTA_LIMIT, "delta-limit", ERROR, "the patch exceeds what the device patcher can hold") \
	X(DELTA_BASE, "delta-base", ERROR, "the old image is not the one the patch was made from") \
	X(DELTA_HASH, "delta-hash", ERROR, "the patched image does not match the patch's SHA-256") \
	X(DELTA_PAGE, "delta-page", ERROR, "the board's erase pages or code partitions are outside what the delta patcher handles") \
	/* update repository indexes (publish, releases, fetch) */ \
	X(REPO_TRUNCATED, "repo-truncated", ERROR, "the index ends inside a structure") \
	X(REPO_MAGIC, "repo-magic", ERROR, "not an mvbuild repository index") \
	X(REPO_FORMAT, "repo-format", ERROR, "an index format version this mvbuild does not read") \
	X(REPO_FIELD, "repo-field", ERROR, "an index field holds a value outside what the format allows") \
	X(REPO_LAYOUT, "repo-layout", ERROR, "index parts are not where the header says, or bytes follow the signatures") \
	X(REPO_ORDER, "repo-order", ERROR, "releases are out of security-counter order or repeat a version, or a delta names no release") \
	X(REPO_SIGNATURE, "repo-signature", ERROR, "an index signature by a trusted key does not verify") \
	X(REPO_UNSIGNED, "repo-unsigned", ERROR, "no index signature by any trusted key") \
	X(REPO_CHANNEL, "repo-channel", ERROR, "the index is for another board, app or channel") \
	X(REPO_EXPIRED, "repo-expired", ERROR, "the index has expired: the repository may be frozen") \
	X(REPO_ROLLBACK, "repo-rollback", ERROR, "the index is older than one already accepted, or differs from it at the same version") \
	X(REPO_OBJECT, "repo-object", ERROR, "a downloaded bundle does not match what the index says of it") \
	X(REPO_COUNTER, "repo-counter", ERROR, "the security counter is not above the channel's latest, or the version is already published") \
	X(REPO_DOWNGRADE, "repo-downgrade", ERROR, "the channel's latest release has a lower security counter than the device runs") \
	X(REPO_OLDER, "repo-older", ERROR, "the channel's latest release is an older version than the device runs") \
	X(REPO_MISSING, "repo-missing", ERROR, "the repository has no index for the board, app and channel: nothing is published there") \
	X(REPO_STATE, "repo-state", ERROR, "a line of the device's record of accepted indexes (--state) is malformed") \
	/* software bill of materials (bundle --sbom, publish --sbom) */ \
	X(SBOM_FORMAT, "sbom-format", ERROR, "not a CycloneDX 1.5 JSON document whose metadata.component has a SHA-256") \
	X(SBOM_BUNDLE, "sbom-bundle", ERROR, "the SBOM names another bundle than the one published") \
	/* crash records and their core files (mvbuild crash) */ \
	X(CRASH_RECORD, "crash-record", ERROR, "a crash record, or the core file that carries one, is malformed or of another format")

enum mvb_severity { MVB_SEV_NOTE = 0, MVB_SEV_WARNING = 1, MVB_SEV_ERROR = 2 };

#define MVB_CHECK_ENUM(c, id, sev, sum) MVB_CK_##c,
enum mvb_check { MVB_CHECK_TABLE(MVB_CHECK_ENUM) MVB_CK__COUNT };
#undef MVB_CHECK_ENUM

struct mvb_check_info {
	const char *id;
	enum mvb_severity severity;
	const char *summary;
};

/* The row for check c; c must be a valid enum value. */
const struct mvb_check_info *mvb_check_info(enum mvb_check c);

#endif
