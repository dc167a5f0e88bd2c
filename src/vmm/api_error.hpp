// An error a manager API request ends with: the HTTP status and one line naming the problem.
// Thrown at the edges (request parsing, manager operations) and turned into
// {"error": "..."} by the API layer; nothing is changed when one is thrown.
#pragma once

#include <stdexcept>
#include <string>

namespace rvisor::vmm {

class ApiError : public std::runtime_error {
  public:
    ApiError(int status, const std::string& message)
        : std::runtime_error(message), status_(status) {}
    int status() const { return status_; }

  private:
    int status_;
};

}  // namespace rvisor::vmm
