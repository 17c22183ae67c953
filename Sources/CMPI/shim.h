#ifndef SADDLE_CMPI_SHIM_H
#define SADDLE_CMPI_SHIM_H
/* Open MPI through pkg-config ompi-c (Debian libopenmpi-dev). Built only when SADDLE_MPI=1
   (Package.swift). Open MPI's handles (MPI_COMM_WORLD, MPI_BYTE, MPI_INT, MPI_LOR, ...) are macros
   over addresses of library globals, which Swift does not import: these inline functions return them. */
#include <mpi.h>

static inline MPI_Comm saddle_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype saddle_mpi_byte(void) { return MPI_BYTE; }
static inline MPI_Datatype saddle_mpi_int(void) { return MPI_INT; }
static inline MPI_Datatype saddle_mpi_long_long(void) { return MPI_LONG_LONG; }
static inline MPI_Op saddle_mpi_lor(void) { return MPI_LOR; }
static inline MPI_Op saddle_mpi_max(void) { return MPI_MAX; }
static inline int saddle_mpi_thread_serialized(void) { return MPI_THREAD_SERIALIZED; }
static inline int saddle_mpi_success(void) { return MPI_SUCCESS; }
static inline int saddle_mpi_max_library_version_string(void) { return MPI_MAX_LIBRARY_VERSION_STRING; }
#endif
