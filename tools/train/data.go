package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	analysis "github.com/mentiondesk/mentiondesk/hooks/analysis"
)

// header is the first line of every training file; see training/README.md
// for the meaning of each column.
const header = "lang\tregion\tchannel\tstars\tsentiment\tintent\ttext"

// post is a labelled training post with the columns the model does not
// read but the report breaks figures down by.
type post struct {
	analysis.Example
	region  string // FR, QC, EN
	channel string // review, comment, tweet, forum, email, toot
	file    string // the training file, one per writer
}

// errBadData is wrapped by every error about a training file.
var errBadData = errors.New("bad training data")

// loadDir reads every *.tsv file of dir in name order, lines in file order.
// A post whose folded text repeats an earlier one is dropped (and counted):
// a duplicate would sit in two cross-validation folds at once.
func loadDir(dir string) (posts []post, dups int, err error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.tsv"))
	if err != nil {
		return nil, 0, err
	}
	if len(files) == 0 {
		return nil, 0, fmt.Errorf("%w: no .tsv file in %s", errBadData, dir)
	}
	slices.Sort(files)
	seen := map[string]bool{}
	for _, f := range files {
		ps, err := loadFile(f)
		if err != nil {
			return nil, 0, err
		}
		for _, p := range ps {
			key := strings.Join(strings.Fields(strings.ToLower(p.Text)), " ")
			if seen[key] {
				dups++
				continue
			}
			seen[key] = true
			posts = append(posts, p)
		}
	}
	return posts, dups, nil
}

func loadFile(path string) ([]post, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []post
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSuffix(sc.Text(), "\r")
		where := fmt.Sprintf("%s:%d", filepath.Base(path), n)
		if n == 1 {
			if line != header {
				return nil, fmt.Errorf("%w: %s: header must be %q", errBadData, where, header)
			}
			continue
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		p, err := parseLine(line)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", errBadData, where, err)
		}
		p.file = filepath.Base(path)
		out = append(out, p)
	}
	return out, sc.Err()
}

func parseLine(line string) (post, error) {
	c := strings.Split(line, "\t")
	if len(c) != 7 {
		return post{}, fmt.Errorf("%d columns, want 7", len(c))
	}
	p := post{region: c[1], channel: c[2]}
	p.Lang, p.Sentiment, p.Intent, p.Text = c[0], c[4], c[5], strings.TrimSpace(c[6])
	switch {
	case p.Lang != analysis.LangFR && p.Lang != analysis.LangEN:
		return post{}, fmt.Errorf("lang %q", p.Lang)
	case !slices.Contains([]string{"FR", "QC", "EN"}, p.region):
		return post{}, fmt.Errorf("region %q", p.region)
	case !slices.Contains(analysis.SentimentClasses(), p.Sentiment):
		return post{}, fmt.Errorf("sentiment %q", p.Sentiment)
	case !slices.Contains(analysis.IntentClasses(), p.Intent):
		return post{}, fmt.Errorf("intent %q", p.Intent)
	case p.Text == "":
		return post{}, errors.New("empty text")
	}
	if c[3] != "" {
		s, err := strconv.Atoi(c[3])
		if err != nil || s < 1 || s > 5 {
			return post{}, fmt.Errorf("stars %q", c[3])
		}
		p.Stars = s
	}
	return p, nil
}

func examples(ps []post) []analysis.Example {
	out := make([]analysis.Example, len(ps))
	for i, p := range ps {
		out[i] = p.Example
	}
	return out
}
