package oktatest

import (
	"fmt"
	"net/http"
)

// apiError is an Okta error response before it gets its errorId. Bodies
// follow the recordings: {"errorCode","errorSummary","errorLink" (= the
// code),"errorId","errorCauses":[{"errorSummary"}]}; errorCauses is [] when
// there are none.
type apiError struct {
	status  int
	code    string
	summary string
	causes  []string
}

// body renders the error with a fresh errorId.
func (e *apiError) body(errorID string) object {
	causes := make([]object, len(e.causes))
	for i, c := range e.causes {
		causes[i] = object{{"errorSummary", c}}
	}
	return object{
		{"errorCode", e.code},
		{"errorSummary", e.summary},
		{"errorLink", e.code},
		{"errorId", errorID},
		{"errorCauses", causes},
	}
}

func newError(status int, code, summary string, causes ...string) *apiError {
	return &apiError{status: status, code: code, summary: summary, causes: causes}
}

// errValidation is 400 E0000001 "Api validation failed: <subject>" with a
// cause per problem, e.g. subject "login", cause "login: The field cannot be
// left blank" (recorded: subject "newUser" for an undefined property).
func errValidation(subject string, causes ...string) *apiError {
	return newError(http.StatusBadRequest, "E0000001", "Api validation failed: "+subject, causes...)
}

// errNotFound is 404 E0000007 "Not found: Resource not found: <id> (<kind>)",
// as recorded for a deleted user (kind "User").
func errNotFound(id, kind string) *apiError {
	return newError(http.StatusNotFound, "E0000007", fmt.Sprintf("Not found: Resource not found: %s (%s)", id, kind))
}

var (
	errMalformed       = newError(http.StatusBadRequest, "E0000003", "The request body was not well-formed.")
	errInvalidSession  = newError(http.StatusForbidden, "E0000005", "Invalid session")
	errForbidden       = newError(http.StatusForbidden, "E0000006", "You do not have permission to perform the requested action")
	errPathNotFound    = newError(http.StatusNotFound, "E0000008", "The requested path was not found")
	errInternal        = newError(http.StatusInternalServerError, "E0000009", "Internal Server Error")
	errInvalidToken    = newError(http.StatusUnauthorized, "E0000011", "Invalid token provided")
	errAlreadyActive   = newError(http.StatusForbidden, "E0000016", "Activation failed because the user is already active")
	errMethod          = newError(http.StatusMethodNotAllowed, "E0000022", "The endpoint does not support the provided HTTP method")
	errInvalidSearch   = newError(http.StatusBadRequest, "E0000031", "Invalid search criteria.")
	errNotLockedOut    = newError(http.StatusForbidden, "E0000032", "Unlock is not allowed for this user.", "The user is not locked out.")
	errSearchAndFilter = newError(http.StatusBadRequest, "E0000033", "Bad request. Can't specify a search query and filter in the same request.")
	errWrongStatus     = newError(http.StatusForbidden, "E0000038", "This operation is not allowed in the user's current status.")
	errRateLimited     = newError(http.StatusTooManyRequests, "E0000047", "API call exceeded rate limit due to too many requests.")
	errTooManyGroups   = newError(http.StatusBadRequest, "E0000093", "Target count limit exceeded", "The number of group targets is too large")
)

// errCredentials is 403 E0000014 for a wrong current password.
func errCredentials(cause string) *apiError {
	return newError(http.StatusForbidden, "E0000014", "Update of credentials failed", cause)
}

// errLogParam is 400 E0000053, the System Log's answer to a bad filter or
// parameter ("Invalid filter '…': …", "Invalid parameter: …").
func errLogParam(summary string) *apiError {
	return newError(http.StatusBadRequest, "E0000053", summary)
}
