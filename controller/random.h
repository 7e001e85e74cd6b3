/* Values no process can hold by chance, so that what a case reads back can only be what it wrote. */
#ifndef MAPCONF_RANDOM_H
#define MAPCONF_RANDOM_H

unsigned int mc_random_u32(void);
/* prefix plus random hex (static storage: each text lasts eight calls) */
const char *mc_marker(const char *prefix);

#endif
