// The names srmd is known by on the bus (dbus/org.srmd1.xml is the contract): its bus name, the
// objects it serves and their interfaces, the errors it answers with and the polkit actions that
// guard its methods. The daemon's side (dbus/) and srmctl (cli/) both spell them from here, so
// that the two cannot drift apart.
#pragma once

namespace srmd::bus {

inline constexpr const char* kBusName = "org.srmd1";
inline constexpr const char* kManagerPath = "/org/srmd1";
inline constexpr const char* kManagerInterface = "org.srmd1.Manager";
// One Range object per range below it: "/org/srmd1/ranges/r40000000".
inline constexpr const char* kRangesPath = "/org/srmd1/ranges";
inline constexpr const char* kRangeInterface = "org.srmd1.Range";

inline constexpr const char* kErrorNoSuchRange = "org.srmd1.Error.NoSuchRange";
inline constexpr const char* kErrorInvalidArgs = "org.srmd1.Error.InvalidArgs";
inline constexpr const char* kErrorPolicyInvalid = "org.srmd1.Error.PolicyInvalid";
inline constexpr const char* kErrorAccessDenied = "org.srmd1.Error.AccessDenied";
inline constexpr const char* kErrorBusy = "org.srmd1.Error.Busy";
inline constexpr const char* kErrorFailed = "org.srmd1.Error.Failed";

// dbus/org.srmd1.policy declares them.
inline constexpr const char* kActionManage = "org.srmd1.manage";
inline constexpr const char* kActionReload = "org.srmd1.reload-policy";

}  // namespace srmd::bus
