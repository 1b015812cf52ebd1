package main

import (
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"slices"

	analysis "github.com/mentiondesk/mentiondesk/hooks/analysis"
)

// foldOf puts a post in a fold by a hash of its text: independent of file
// order, so adding posts does not reshuffle the others.
func foldOf(text string, k int) int {
	h := fnv.New32a()
	h.Write([]byte(text))
	return int(h.Sum32() % uint32(k))
}

// oof holds out-of-fold predictions: each post predicted by the model
// trained on the other folds, once with its stars and once without.
type oof struct {
	posts         []post
	pred, noStars []analysis.Prediction
}

func crossValidate(posts []post, opt analysis.TrainOptions, k int) (oof, error) {
	r := oof{posts: posts, pred: make([]analysis.Prediction, len(posts)), noStars: make([]analysis.Prediction, len(posts))}
	for fold := range k {
		var train []analysis.Example
		for _, p := range posts {
			if foldOf(p.Text, k) != fold {
				train = append(train, p.Example)
			}
		}
		m, err := analysis.Train(train, opt)
		if err != nil {
			return r, err
		}
		for i, p := range posts {
			if foldOf(p.Text, k) != fold {
				continue
			}
			r.pred[i] = m.Predict(p.Example)
			r.noStars[i] = r.pred[i]
			if p.Stars != 0 {
				ex := p.Example
				ex.Stars = 0
				r.noStars[i] = m.Predict(ex)
			}
		}
	}
	return r, nil
}

// accuracy of sentiment and intent over the posts keep selects.
func (r oof) accuracy(preds []analysis.Prediction, keep func(post) bool) (sent, intent float64, n int) {
	for i, p := range r.posts {
		if !keep(p) {
			continue
		}
		n++
		if preds[i].Sentiment == p.Sentiment {
			sent++
		}
		if preds[i].Intent == p.Intent {
			intent++
		}
	}
	if n == 0 {
		return 0, 0, 0
	}
	return sent / float64(n), intent / float64(n), n
}

// withOffset re-decides intent with an offset on the complaint score.
func withOffset(p analysis.Prediction, off float64) string {
	_, intent := p.Decide(off)
	return intent
}

// complaintPR is the complaint class's precision and recall.
func complaintPR(gold, pred []string) (precision, recall float64) {
	tp, fp, fn := 0, 0, 0
	for i := range gold {
		g, p := gold[i] == analysis.IntentComplaint, pred[i] == analysis.IntentComplaint
		switch {
		case g && p:
			tp++
		case p:
			fp++
		case g:
			fn++
		}
	}
	return ratio(tp, tp+fp), ratio(tp, tp+fn)
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func report(w io.Writer, posts []post, opt analysis.TrainOptions, k int, errs bool) {
	r, err := crossValidate(posts, opt, k)
	if err != nil {
		fmt.Fprintln(os.Stderr, "train:", err)
		os.Exit(1)
	}
	if errs {
		for i, p := range posts {
			if pr := r.pred[i]; pr.Sentiment != p.Sentiment || pr.Intent != p.Intent {
				fmt.Fprintf(w, "ERR %s gold=%s/%s got=%s/%s stars=%d  %s\n", p.file, p.Sentiment, p.Intent, pr.Sentiment, pr.Intent, p.Stars, p.Text)
			}
		}
		return
	}
	fmt.Fprintf(w, "%d-fold cross-validation, %d posts, options %+v\n\n", k, len(posts), opt)
	rs, ri := rulesAccuracy(posts)
	fmt.Fprintf(w, "The hand-written rules alone on the same posts (not trained on them): sentiment %.3f, intent %.3f\n\n", rs, ri)
	fmt.Fprintln(w, "| posts | n | sentiment | intent | complaint precision | complaint recall | sentiment, stars hidden | intent, stars hidden |")
	fmt.Fprintln(w, "| --- | --- | --- | --- | --- | --- | --- | --- |")
	groups := []struct {
		name string
		keep func(post) bool
	}{
		{"all", func(post) bool { return true }},
		{"fr (France)", func(p post) bool { return p.Lang == "fr" && p.region == "FR" }},
		{"fr (Québec)", func(p post) bool { return p.Lang == "fr" && p.region == "QC" }},
		{"fr (all)", func(p post) bool { return p.Lang == "fr" }},
		{"en", func(p post) bool { return p.Lang == "en" }},
	}
	for _, c := range []string{"review", "comment", "tweet", "forum", "email", "toot"} {
		groups = append(groups, struct {
			name string
			keep func(post) bool
		}{"channel " + c, func(p post) bool { return p.channel == c }})
	}
	for _, g := range groups {
		s, in, n := r.accuracy(r.pred, g.keep)
		s2, in2, _ := r.accuracy(r.noStars, g.keep)
		var gold, pred []string
		for i, p := range r.posts {
			if g.keep(p) {
				gold, pred = append(gold, p.Intent), append(pred, r.pred[i].Intent)
			}
		}
		cp, cr := complaintPR(gold, pred)
		fmt.Fprintf(w, "| %s | %d | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f |\n", g.name, n, s, in, cp, cr, s2, in2)
	}
	for _, lang := range []string{"", "fr", "en"} {
		var sg, sp, ig, ip []string
		for i, p := range r.posts {
			if lang == "" || p.Lang == lang {
				sg, sp = append(sg, p.Sentiment), append(sp, r.pred[i].Sentiment)
				ig, ip = append(ig, p.Intent), append(ip, r.pred[i].Intent)
			}
		}
		name := "all"
		if lang != "" {
			name = lang
		}
		fmt.Fprintln(w)
		fmt.Fprint(w, analysis.ConfusionTable("Sentiment, cross-validated, "+name, sg, sp, analysis.SentimentClasses()))
		fmt.Fprintln(w)
		fmt.Fprint(w, analysis.ConfusionTable("Intent, cross-validated, "+name, ig, ip, analysis.IntentClasses()))
	}
	lowo, err := leaveWritersOut(posts, opt)
	if err != nil {
		fmt.Fprintln(os.Stderr, "train:", err)
		os.Exit(1)
	}
	writerTable(w, lowo)
	fmt.Fprintf(w, "\nComplaint offset (added to the complaint log-probability before the arg max; the model uses %.2f), k-fold:\n", opt.ComplaintOffset)
	offsetTable(w, r)
	fmt.Fprintln(w, "\nThe same, each writer's posts predicted by the model trained without their file (writers disagree on\nwhat a complaint is, so this is a record, not the rule):")
	offsetTable(w, lowo)
	off, p, rec := chooseOffset(r)
	fmt.Fprintf(w, "\nThe rule of -search (k-fold, recall %.2f, precision %.2f, stars hidden) picks %.2f: precision %.3f, recall %.3f.\n",
		targetRecall, targetPrecision, off, p, rec)
}

// offsetTable re-decides the predictions of r with complaint offsets.
func offsetTable(w io.Writer, r oof) {
	fmt.Fprintln(w, "\n| offset | intent | complaint precision | complaint recall | same, stars hidden: intent | precision | recall |")
	fmt.Fprintln(w, "| --- | --- | --- | --- | --- | --- | --- |")
	for _, off := range []float64{0, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 2} {
		row := []float64{}
		for _, preds := range [][]analysis.Prediction{r.pred, r.noStars} {
			var gold, pred []string
			ok := 0
			for i, p := range r.posts {
				in := withOffset(preds[i], off)
				gold, pred = append(gold, p.Intent), append(pred, in)
				if in == p.Intent {
					ok++
				}
			}
			cp, cr := complaintPR(gold, pred)
			row = append(row, ratio(ok, len(gold)), cp, cr)
		}
		fmt.Fprintf(w, "| %.2f | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f |\n", off, row[0], row[1], row[2], row[3], row[4], row[5])
	}
}

// searchParams tunes one hyper-parameter at a time, from the defaults, by
// the mean of sentiment and intent accuracy, out of fold, averaged over
// posts with their stars and with stars hidden (most mentions have none).
// Two rounds; each candidate's score is printed.
func searchParams(posts []post, k int) {
	best := defaults
	bestScore := objective(posts, best, k)
	fmt.Printf("start %+v: %.4f\n", best, bestScore)
	type axis struct {
		name string
		set  []func(*analysis.TrainOptions)
	}
	feat := func(bits, wn, cmin, cmax uint8) func(*analysis.TrainOptions) {
		return func(o *analysis.TrainOptions) {
			if bits != 0 {
				o.Features.HashBits = bits
			}
			if wn != 0 {
				o.Features.WordN = wn
			}
			if cmax != 255 {
				o.Features.CharMin, o.Features.CharMax = cmin, cmax
			}
		}
	}
	axes := []axis{
		{"L2", []func(*analysis.TrainOptions){
			func(o *analysis.TrainOptions) { o.L2 = 0 }, func(o *analysis.TrainOptions) { o.L2 = 1e-6 },
			func(o *analysis.TrainOptions) { o.L2 = 1e-5 }, func(o *analysis.TrainOptions) { o.L2 = 1e-4 },
			func(o *analysis.TrainOptions) { o.L2 = 1e-3 }, func(o *analysis.TrainOptions) { o.L2 = 3e-3 }}},
		{"rate", []func(*analysis.TrainOptions){
			func(o *analysis.TrainOptions) { o.Rate = 0.05 }, func(o *analysis.TrainOptions) { o.Rate = 0.1 },
			func(o *analysis.TrainOptions) { o.Rate = 0.2 }, func(o *analysis.TrainOptions) { o.Rate = 0.4 }}},
		{"epochs", []func(*analysis.TrainOptions){
			func(o *analysis.TrainOptions) { o.Epochs = 5 }, func(o *analysis.TrainOptions) { o.Epochs = 10 },
			func(o *analysis.TrainOptions) { o.Epochs = 20 }}},
		{"word n-grams", []func(*analysis.TrainOptions){feat(0, 1, 0, 255), feat(0, 2, 0, 255), feat(0, 3, 0, 255)}},
		{"char n-grams", []func(*analysis.TrainOptions){feat(0, 0, 0, 0), feat(0, 0, 3, 4), feat(0, 0, 2, 5),
			feat(0, 0, 3, 5), feat(0, 0, 1, 4), feat(0, 0, 3, 6)}},
		{"hash bits", []func(*analysis.TrainOptions){feat(16, 0, 0, 255), feat(17, 0, 0, 255), feat(18, 0, 0, 255)}},
		{"joint decision", []func(*analysis.TrainOptions){
			func(o *analysis.TrainOptions) { o.Joint = false }, func(o *analysis.TrainOptions) { o.Joint = true }}},
		{"averaging", []func(*analysis.TrainOptions){
			func(o *analysis.TrainOptions) { o.Average = false }, func(o *analysis.TrainOptions) { o.Average = true }}},
		{"star drop", []func(*analysis.TrainOptions){
			func(o *analysis.TrainOptions) { o.StarDrop = 0 }, func(o *analysis.TrainOptions) { o.StarDrop = 0.3 },
			func(o *analysis.TrainOptions) { o.StarDrop = 0.5 }, func(o *analysis.TrainOptions) { o.StarDrop = 0.8 }}},
	}
	tried := map[analysis.TrainOptions]bool{best: true}
	for round := 1; round <= 2; round++ {
		for _, a := range axes {
			for _, set := range a.set {
				o := best
				set(&o)
				if tried[o] {
					continue
				}
				tried[o] = true
				s := objective(posts, o, k)
				fmt.Printf("round %d %-12s %+v: %.4f\n", round, a.name, o, s)
				if s > bestScore+1e-9 {
					best, bestScore = o, s
				}
			}
		}
		fmt.Printf("after round %d: %+v %.4f\n", round, best, bestScore)
	}
	r, err := crossValidate(posts, best, k)
	if err != nil {
		fmt.Fprintln(os.Stderr, "train:", err)
		os.Exit(1)
	}
	off, p, rec := chooseOffset(r)
	fmt.Printf("complaint offset %.2f: cross-validated complaint precision %.3f, recall %.3f (stars hidden)\n", off, p, rec)
}

// Targets of the complaint decision: a missed complaint costs far more
// than a false alarm, so recall comes first, within a precision floor.
const (
	targetRecall    = 0.92
	targetPrecision = 0.80
)

// chooseOffset picks the smallest complaint offset whose out-of-fold
// complaint recall, stars hidden (as most mentions come), reaches
// targetRecall with precision at least targetPrecision; if none does, the
// one with the best F2 (recall weighs four times precision).
func chooseOffset(r oof) (off, precision, recall float64) {
	bestF2 := -1.0
	var fallback [3]float64
	for step := 0; step <= 40; step++ {
		o := float64(step) * 0.05
		var gold, pred []string
		for i, p := range r.posts {
			gold, pred = append(gold, p.Intent), append(pred, withOffset(r.noStars[i], o))
		}
		p, rec := complaintPR(gold, pred)
		if rec >= targetRecall && p >= targetPrecision {
			return o, p, rec
		}
		if f2 := 5 * p * rec / (4*p + rec); f2 > bestF2 {
			bestF2, fallback = f2, [3]float64{o, p, rec}
		}
	}
	return fallback[0], fallback[1], fallback[2]
}

func objective(posts []post, opt analysis.TrainOptions, k int) float64 {
	r, err := crossValidate(posts, opt, k)
	if err != nil {
		fmt.Fprintln(os.Stderr, "train:", err)
		os.Exit(1)
	}
	all := func(post) bool { return true }
	s1, i1, _ := r.accuracy(r.pred, all)
	s2, i2, _ := r.accuracy(r.noStars, all)
	return (s1 + i1 + s2 + i2) / 4
}

// rulesAccuracy scores the lexicon rules (analysis.Sentiment, Intent) on
// the posts, with their labelled language: the baseline the model replaces.
func rulesAccuracy(posts []post) (sent, intent float64) {
	for _, p := range posts {
		_, label := analysis.Sentiment(p.Text, p.Lang)
		if label == p.Sentiment {
			sent++
		}
		if analysis.Intent(p.Text, p.Lang, label) == p.Intent {
			intent++
		}
	}
	return sent / float64(len(posts)), intent / float64(len(posts))
}

// leaveWritersOut predicts each training file's posts with the model
// trained on the other files: each file has its own writer, so this is the
// nearest the training data comes to a writer the model has never read,
// which is every writer it will meet. The files split by language and
// region, so a French file left out also leaves out its region (and an
// English file, were it the only one, would leave a model that saw no
// English at all).
func leaveWritersOut(posts []post, opt analysis.TrainOptions) (oof, error) {
	r := oof{posts: posts, pred: make([]analysis.Prediction, len(posts)), noStars: make([]analysis.Prediction, len(posts))}
	for _, f := range writerFiles(posts) {
		var train []analysis.Example
		for _, p := range posts {
			if p.file != f {
				train = append(train, p.Example)
			}
		}
		m, err := analysis.Train(train, opt)
		if err != nil {
			return r, err
		}
		for i, p := range posts {
			if p.file != f {
				continue
			}
			r.pred[i] = m.Predict(p.Example)
			r.noStars[i] = r.pred[i]
			if p.Stars != 0 {
				ex := p.Example
				ex.Stars = 0
				r.noStars[i] = m.Predict(ex)
			}
		}
	}
	return r, nil
}

func writerFiles(posts []post) []string {
	var files []string
	for _, p := range posts {
		if !slices.Contains(files, p.file) {
			files = append(files, p.file)
		}
	}
	return files
}

// writerTable prints the scores of leaveWritersOut, file by file, then
// pooled by the posts' language.
func writerTable(w io.Writer, r oof) {
	fmt.Fprintln(w, "\nLeave one writer (file) out: trained on the other files, scored on this one.")
	fmt.Fprintln(w, "\n| held-out file | n | sentiment | intent | complaint precision | complaint recall | sentiment, stars hidden | intent, stars hidden |")
	fmt.Fprintln(w, "| --- | --- | --- | --- | --- | --- | --- | --- |")
	row := func(name string, keep func(post) bool) {
		s, in, n := r.accuracy(r.pred, keep)
		s2, in2, _ := r.accuracy(r.noStars, keep)
		var gold, pred []string
		for i, p := range r.posts {
			if keep(p) {
				gold, pred = append(gold, p.Intent), append(pred, r.pred[i].Intent)
			}
		}
		cp, cr := complaintPR(gold, pred)
		fmt.Fprintf(w, "| %s | %d | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f |\n", name, n, s, in, cp, cr, s2, in2)
	}
	for _, f := range writerFiles(r.posts) {
		row(f, func(p post) bool { return p.file == f })
	}
	row("lang en, every file", func(p post) bool { return p.Lang == analysis.LangEN })
	row("lang fr, every file", func(p post) bool { return p.Lang == analysis.LangFR })
}
