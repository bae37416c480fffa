package storage

import "os"

func writeFile(path string, data []byte) error { return os.WriteFile(path, data, 0o600) }

func copyFile(src, dst string) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return writeFile(dst, data)
}
