package action

import "encoding/json"

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
