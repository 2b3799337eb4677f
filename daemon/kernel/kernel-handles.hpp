// RAII for the two library contexts. Each is created fresh for one step (the libraries cache what
// they enumerate) and released on every path out of it.
#pragma once

#include <memory>

struct daxctl_ctx;
struct cxl_ctx;

namespace srmd {

struct DaxctlUnref {
    void operator()(daxctl_ctx* ctx) const;
};
struct CxlUnref {
    void operator()(cxl_ctx* ctx) const;
};

using DaxctlContext = std::unique_ptr<daxctl_ctx, DaxctlUnref>;
using CxlContext = std::unique_ptr<cxl_ctx, CxlUnref>;

// A new context, or null with errno-style code in `error` (positive).
DaxctlContext new_daxctl_context(int& error);
CxlContext new_cxl_context(int& error);

}  // namespace srmd
