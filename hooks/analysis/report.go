package analysis

import (
	"fmt"
	"slices"
	"strings"
)

// ConfusionTable renders a confusion matrix (rows gold, columns predicted)
// with per-class precision and recall as a Markdown table, for the reports
// of the model's accuracy (tools/train, the evaluation tests).
func ConfusionTable(title string, gold, pred, classes []string) string {
	m := map[[2]string]int{}
	for i := range gold {
		m[[2]string{gold[i], pred[i]}]++
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s (n=%d)\n\n| gold \\ predicted |", title, len(gold))
	for _, c := range classes {
		fmt.Fprintf(&b, " %s |", c)
	}
	b.WriteString(" recall |\n|---|")
	for range classes {
		b.WriteString("---|")
	}
	b.WriteString("---|\n")
	for _, g := range classes {
		fmt.Fprintf(&b, "| %s |", g)
		row := 0
		for _, p := range classes {
			row += m[[2]string{g, p}]
			fmt.Fprintf(&b, " %d |", m[[2]string{g, p}])
		}
		fmt.Fprintf(&b, " %.2f |\n", ratio(m[[2]string{g, g}], row))
	}
	b.WriteString("| precision |")
	for _, p := range classes {
		col := 0
		for _, g := range classes {
			col += m[[2]string{g, p}]
		}
		fmt.Fprintf(&b, " %.2f |", ratio(m[[2]string{p, p}], col))
	}
	b.WriteString(" |\n")
	var extra []string
	for k := range m {
		if !slices.Contains(classes, k[0]) || !slices.Contains(classes, k[1]) {
			extra = append(extra, fmt.Sprint(k, m[k]))
		}
	}
	if len(extra) > 0 {
		fmt.Fprintf(&b, "\nunexpected labels: %v\n", extra)
	}
	return b.String()
}

// ratio is a/b, 0 when b is 0.
func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}
