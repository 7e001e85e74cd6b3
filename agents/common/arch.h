/*
 * The architecture an agent announces in its ready line (arch=): the one
 * its compiler targets, named as the controller's platforms name them.
 */
#ifndef MAPCONF_AGENT_ARCH_H
#define MAPCONF_AGENT_ARCH_H

#if defined(__x86_64__)
#define MAPCONF_ARCH "x86_64"
#elif defined(__aarch64__)
#define MAPCONF_ARCH "aarch64"
#elif defined(__i386__)
#define MAPCONF_ARCH "i386"
#elif defined(__arm__)
#define MAPCONF_ARCH "arm"
#elif defined(__riscv) && __riscv_xlen == 64
#define MAPCONF_ARCH "riscv64"
#elif defined(__s390x__)
#define MAPCONF_ARCH "s390x"
#elif defined(__powerpc64__) && defined(__LITTLE_ENDIAN__)
#define MAPCONF_ARCH "ppc64le"
#elif defined(__mips__) && defined(__MIPSEL__) && _MIPS_SIM == _ABI64
#define MAPCONF_ARCH "mips64el"
#else
#define MAPCONF_ARCH "unknown"
#endif

#endif
