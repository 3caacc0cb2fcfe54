// OpenCL 1.2 API: the level every vendor (NVIDIA, AMD, Intel, ARM, PoCL) implements.
#ifndef CL_TARGET_OPENCL_VERSION
#define CL_TARGET_OPENCL_VERSION 120
#endif
#include <CL/cl.h>
#include <clblast_c.h>
