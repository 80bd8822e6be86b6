/* The kernel table of the native executor (registry.c). */
#ifndef XSML_REGISTRY_H
#define XSML_REGISTRY_H

#include "xsml_record.h"

/* Kernel id -> the kernel, or NULL if no kernel has that id or it is not linked into this build. */
extern const xsml_kernel *const xsml_kernels[XSML_KERNEL_COUNT];

/* Kernel id -> its name (as in xsml_kernel_ids.h without XSML_K_), or NULL for an id that names no kernel. */
extern const char *const xsml_kernel_names[XSML_KERNEL_COUNT];

#endif
