package oktatest_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/oktaflow/oktaflow/okta/oktatest"
)

// A test starts an org, talks to it as to Okta, and inspects its state.
func ExampleNewServer() {
	srv := oktatest.NewServer(oktatest.Options{Token: "test-token", Seed: 1})
	defer srv.Close()

	body := `{"profile":{"firstName":"Isaac","lastName":"Brock","email":"isaac.brock@example.com","login":"isaac.brock@example.com"}}`
	for range 2 {
		req, _ := http.NewRequest("POST", srv.URL+"/api/v1/users?activate=false", strings.NewReader(body))
		req.Header.Set("Authorization", "SSWS "+srv.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println(resp.StatusCode, resp.Header.Get("X-Rate-Limit-Remaining"), strings.Contains(string(out), "An object with this field already exists"))
	}
	u, _ := srv.UserByLogin("ISAAC.BROCK@example.com")
	fmt.Println(u.Status, srv.RequestCount("/api/v1/users", 400))
	// Output:
	// 200 599 false
	// 400 598 true
	// STAGED 1
}
