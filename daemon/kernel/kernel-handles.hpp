// RAII for the two library contexts. Each is created fresh for one step (the libraries cache what
// they enumerate) and released on every path out of it.
#pragma once

#include <cxl/libcxl.h>
#include <daxctl/libdaxctl.h>

#include "util/c-handle.hpp"

namespace srmd {

using DaxctlContext = CHandle<daxctl_ctx, daxctl_unref>;
using CxlContext = CHandle<cxl_ctx, cxl_unref>;

// A new context, or null with errno-style code in `error` (positive).
DaxctlContext new_daxctl_context(int& error);
CxlContext new_cxl_context(int& error);

}  // namespace srmd
