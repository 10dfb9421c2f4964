/*
 * manifest.S - the app manifest, verbatim, in the non-alloc section
 * .mvb.app; mvbuild takes the app's name, peripherals and irqs from it.
 * MVB_APP_MANIFEST is the manifest's path (set by mv_app.cmake).
 */
	.section .mvb.app, "", %progbits
	.incbin MVB_APP_MANIFEST
