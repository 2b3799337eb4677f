#include "cli/pass-words.hpp"

#include "cli/bus-command.hpp"

namespace srmctl {

std::string pass_line(const srmd::Json& pass) {
    std::string words = "pass " + std::to_string(field_uint(pass, "number")) + " (" +
                        field_text(pass, "trigger") + ", " +
                        (field_bool(pass, "full_read") ? "full read, " : "") +
                        std::to_string(field_uint(pass, "events")) + " events, " +
                        std::to_string(field_uint(pass, "files")) + " files, " +
                        std::to_string(field_uint(pass, "duration_us") / 1000) + " ms): ";
    if (field_text(pass, "error") != "-")
        return words + "could not read the machine: " + field_text(pass, "error");
    words += std::to_string(field_uint(pass, "steps")) + " steps, " +
             std::to_string(field_uint(pass, "failed")) + " failed";
    if (field_uint(pass, "waiting"))
        words += ", " + std::to_string(field_uint(pass, "waiting")) + " ranges waiting to retry";
    if (field_bool(pass, "stopped"))
        words += ", stopped between steps";
    return words + (field_bool(pass, "converged") ? "; converged" : "; not converged");
}

std::string step_words(const srmd::Json& step) {
    std::string words = field_text(step, "action") + " " + field_text(step, "target");
    if (field_text(step, "mode") != "-")
        words += " (" + field_text(step, "mode") + ")";
    if (field_text(step, "zone") != "-")
        words += " (" + field_text(step, "zone") + ")";
    return words;
}

std::string plan_lines(const srmd::Json& steps) {
    if (!steps.is_array() || steps.as_array().empty())
        return "nothing to do: every range already is what its rule wants, or no rule matches "
               "it\n";
    std::string out;
    std::string range;
    int number = 0;
    for (const srmd::Json& step : steps.as_array()) {
        if (field_text(step, "range") != range) {
            range = field_text(step, "range");
            out += range + "\n";
            number = 0;
        }
        out += "  " + std::to_string(++number) + ". " + step_words(step) + ": " +
               field_text(step, "reason") + "\n";
    }
    std::size_t count = steps.as_array().size();
    out += "\n" + std::to_string(count) + (count == 1 ? " step\n" : " steps\n");
    return out;
}

std::string applied_lines(const srmd::Json& applied) {
    std::string out;
    if (!applied.is_array())
        return out;
    for (const srmd::Json& step : applied.as_array()) {
        std::string outcome = field_text(step, "outcome");
        out += field_text(step, "range") + ": " +
               (field_bool(step, "rollback") ? "rollback " : "") + step_words(step) + ": " +
               outcome;
        if (outcome != "ok") {
            out += ": " + field_text(step, "message");
            if (field_text(step, "errno") != "-")
                out += " (" + field_text(step, "errno") + ")";
        }
        out += "\n";
    }
    return out;
}

bool pass_failed(const srmd::Json& pass) {
    return field_uint(pass, "failed") > 0 || field_text(pass, "error") != "-" ||
           field_bool(pass, "stopped");
}

}  // namespace srmctl
