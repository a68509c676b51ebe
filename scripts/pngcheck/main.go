// Command pngcheck fails when a screenshot is blank: too few colours, or one
// colour covering almost every pixel. Usage: pngcheck FILE.png
package main

import (
	"fmt"
	"image"
	"image/png"
	"os"
)

const (
	minColours     = 24   // a drawn window has text, borders, icons
	maxDominantPct = 97.0 // a blank or single-colour frame fails
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: pngcheck FILE.png")
		os.Exit(2)
	}
	if err := check(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "pngcheck:", err)
		os.Exit(1)
	}
}

func check(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	colours, dominant := census(img)
	b := img.Bounds()
	pct := 100 * float64(dominant) / float64(b.Dx()*b.Dy())
	fmt.Printf("pngcheck: %s %dx%d, %d colours, dominant colour %.1f%%\n", path, b.Dx(), b.Dy(), colours, pct)
	if colours < minColours {
		return fmt.Errorf("%s looks blank: only %d colours", path, colours)
	}
	if pct > maxDominantPct {
		return fmt.Errorf("%s looks blank: one colour covers %.1f%%", path, pct)
	}
	return nil
}

func census(img image.Image) (colours, dominant int) {
	counts := map[[4]uint32]int{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			counts[[4]uint32{r, g, bl, a}]++
		}
	}
	for _, n := range counts {
		dominant = max(dominant, n)
	}
	return len(counts), dominant
}
