package okta

import "testing"

func TestBucketFor(t *testing.T) {
	tests := []struct{ method, path, want string }{
		{"GET", "/api/v1/users/me", BucketMe},
		{"GET", "/api/v1/users", BucketUsers},
		{"POST", "/api/v1/users", BucketUsers},
		{"POST", "/api/v1/users/00u1/lifecycle/deactivate", BucketUsers},
		{"POST", "/api/v1/users/john%2Fdoe%40x.com/lifecycle/suspend", BucketUsers},
		{"GET", "/api/v1/users/00u1", BucketUserByID},
		{"GET", "/api/v1/users/a%2Fb", BucketUserByID},
		{"GET", "/api/v1/users/00u1/groups", BucketUserByID},
		{"GET", "/api/v1/users/me/groups", BucketUserByID},
		{"POST", "/api/v1/users/00u1", BucketUserWrite},
		{"PUT", "/api/v1/users/00u1", BucketUserWrite},
		{"DELETE", "/api/v1/users/00u1", BucketUserWrite},
		{"DELETE", "/api/v1/users/me", BucketUserWrite},
		{"GET", "/api/v1/logs", BucketLogs},
		{"GET", "/api/v1/groups", BucketGroups},
		{"POST", "/api/v1/groups", BucketGroups},
		{"PUT", "/api/v1/groups/00g1/users/00u1", BucketGroups},
		{"GET", "/api/v1/groups/00g1", BucketGroupByID},
		{"PUT", "/api/v1/groups/00g1", BucketGroupByID},
		{"GET", "/api/v1/groups/00g1/users", BucketGroups},
		{"GET", "/api/v1/meta/schemas/user/default", BucketAPIDefault},
		{"GET", "/api/v1/org", BucketAPIDefault},
		{"POST", "/api/v1/users/00u1/credentials/change_password", BucketAPIDefault},
		{"DELETE", "/api/v1/users", BucketAPIDefault},
		{"POST", "/api/v1/logs", BucketAPIDefault},
		{"GET", "/.well-known/okta-organization", BucketAPIDefault},
		{"POST", "/oauth2/v1/token", BucketToken},
	}
	for _, tt := range tests {
		if got := bucketFor(tt.method, tt.path); got != tt.want {
			t.Errorf("bucketFor(%s %s) = %q; want %q", tt.method, tt.path, got, tt.want)
		}
	}
}
