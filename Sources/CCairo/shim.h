#ifndef SADDLE_CCAIRO_SHIM_H
#define SADDLE_CCAIRO_SHIM_H
// Cairo's image (PNG) and PDF surfaces, for the plots in Sources/Reports.
#include <cairo.h>
#include <cairo-pdf.h>
#endif
