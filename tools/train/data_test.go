package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestLoadDir(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"b.tsv": header + "\nfr\tQC\treview\t2\tnegative\tcomplaint\tÇa a pas d'allure, 40 minutes pour un café\n" +
			"en\tEN\ttweet\t\tneutral\tquestion\tOpen on Sunday?\n\n",
		"a.tsv": header + "\r\nen\tEN\tcomment\t\tpositive\tpraise\tCan't fault them.\r\n" +
			"en\tEN\tforum\t\tpositive\tpraise\tcan't   FAULT them.\r\n",
		"notes.txt": "not training data",
	})
	posts, dups, err := loadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if dups != 1 || len(posts) != 3 {
		t.Fatalf("got %d posts, %d duplicates; want 3 and 1", len(posts), dups)
	}
	// Files in name order, lines in file order.
	if posts[0].Text != "Can't fault them." || posts[0].file != "a.tsv" || posts[2].Text != "Open on Sunday?" {
		t.Errorf("order: %+v", posts)
	}
	if posts[1].Stars != 2 || posts[1].region != "QC" || posts[1].channel != "review" || posts[2].Stars != 0 {
		t.Errorf("columns: %+v", posts[1:])
	}
}

func TestLoadDirRejects(t *testing.T) {
	for name, body := range map[string]string{
		"no header":     "en\tEN\ttweet\t\tneutral\tquestion\tOpen on Sunday?\n",
		"6 columns":     header + "\nen\tEN\ttweet\tneutral\tquestion\tOpen on Sunday?\n",
		"8 columns":     header + "\nen\tEN\ttweet\t\tneutral\tquestion\tOpen\ton Sunday?\n",
		"bad lang":      header + "\nde\tEN\ttweet\t\tneutral\tquestion\tOffen?\n",
		"bad region":    header + "\nfr\tBE\ttweet\t\tneutral\tquestion\tOuvert ?\n",
		"bad sentiment": header + "\nen\tEN\ttweet\t\tmixed\tquestion\tOpen?\n",
		"bad intent":    header + "\nen\tEN\ttweet\t\tneutral\trant\tOpen?\n",
		"stars 6":       header + "\nen\tEN\treview\t6\tpositive\tpraise\tGreat\n",
		"stars word":    header + "\nen\tEN\treview\tfive\tpositive\tpraise\tGreat\n",
		"empty text":    header + "\nen\tEN\treview\t5\tpositive\tpraise\t  \n",
	} {
		_, _, err := loadDir(writeFiles(t, map[string]string{"x.tsv": body}))
		if !errors.Is(err, errBadData) {
			t.Errorf("%s: err = %v, want errBadData", name, err)
		} else if !strings.Contains(err.Error(), "x.tsv:") {
			t.Errorf("%s: %v does not say where", name, err)
		}
	}
	if _, _, err := loadDir(t.TempDir()); !errors.Is(err, errBadData) {
		t.Errorf("empty directory: err = %v", err)
	}
}
