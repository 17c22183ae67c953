#ifndef SADDLE_CZLIB_SHIM_H
#define SADDLE_CZLIB_SHIM_H
#include <zlib.h>
#endif
