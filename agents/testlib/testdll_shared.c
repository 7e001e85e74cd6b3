/*
 * The Win32 test DLL's one addition to the test library (testlib.c, built
 * into the same DLL): a global in a section the DLL marks shared. Microsoft
 * documents such a section as one copy for every process that loads the
 * DLL, the exception to C2 that proves the rule (its ordinary global,
 * mc_testlib_counter, stays per process).
 *
 * mingw's "shared" attribute marks the section IMAGE_SCN_MEM_SHARED; the
 * variable must be initialised, or it lands in .bss instead.
 */
__attribute__((section(".mcshare"), shared)) int mc_testlib_shared = 7;

int *mc_testlib_shared_global(void)
{
	return &mc_testlib_shared;
}
