// Package kissflow is a small client for Kissflow's Process API v2: list a
// process's items, read one, update some of its fields, list a process's
// form fields, and verify an access key. All calls to one Kissflow account
// share one Pacer, so triggers and write-back steps together stay within
// the account's rate limit with room left for people using Kissflow.
//
// What this package assumes about Kissflow, and where it comes from (the
// URL templates are editable because accounts differ):
//
//   - Base URL https://{subdomain}.kissflow.com/process/2/{account_id}, or
//     kissflow.eu for EU accounts: Kissflow's API introduction (a host per
//     account, domain kissflow.com or kissflow.eu) and public clients
//     (Activepieces' Kissflow piece offers the two domains; an n8n node and
//     several scripts build the same path).
//   - Headers X-Access-Key-Id and X-Access-Key-Secret: Kissflow's "API
//     authentication" article (access keys replaced API keys in 2023) and
//     every public client seen.
//   - Items of a process: GET .../admin/{process_id}/item?page_number=N
//     &page_size=M&apply_preference=false, answering {"Data": [...]} and a
//     total count; it needs the Process Admin role, has no status filter,
//     and apply_preference=false keeps an admin's saved view from filtering
//     it (the n8n node's getAllItems; the description of the API).
//     The name of the total is not documented where we looked: Count,
//     TotalCount, Total and _total are read, in that order. The sort order is
//     not documented either; the trigger does not depend on it.
//   - One item: GET .../admin/{process_id}/{instance_id}; a partial update
//     of the fields sent: PUT on the same URL (the n8n node's getItemDetails
//     and updateItem). The list may omit _completed_at; the detail has it.
//   - Errors: {"_id", "error_code", "message"} (the description);
//     other shapes ({"error": ...}, text) are read too. A 403 on the admin
//     API means the key's user lacks the Process Admin role (a public
//     Kissflow registration client says "Admin Access Key required").
//   - 400 calls a minute per account, the UI's included (Kissflow's limits;
//     the issue). 429 answers may carry Retry-After, which is honoured.
//   - Verify's cheap call: GET {host}/user/2/{account_id}/?page_number=1
//     &page_size=1, the probe a public Kissflow client uses (401: the key is
//     refused; 404: no such account; 403: the key works but its user may not
//     list users, which is fine), then the items list with page_size=1 for
//     each process to check for the Process Admin role.
//   - Form fields of a process: not found in public material. The client
//     tries GET .../{process_id}/field (an assumption; answers of the shapes
//     [...], {"Data": [...]} or {"Fields": [...]} with Id/Name/Type/Required
//     are read), and when that is not there, derives the fields from an
//     item: its keys that do not start with "_".
package kissflow
