package config

import (
	"strings"

	"gopkg.in/yaml.v3"
)

// positions are the lines of a trial file's parts, read from its node tree,
// so that errors and CEL positions point into the file.
type positions struct {
	answers      int
	conceptOrder []string
	concepts     map[string]int
	criteria     []criterionPos
}

type criterionPos struct{ line, rule, column int }

func linesOf(doc *yaml.Node, source []string) positions {
	p := positions{concepts: map[string]int{}}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return p
	}
	top := doc.Content[0]
	for i := 0; i+1 < len(top.Content); i += 2 {
		key, val := top.Content[i], top.Content[i+1]
		switch key.Value {
		case "answers":
			p.answers = key.Line
		case "concepts":
			for j := 0; j+1 < len(val.Content); j += 2 {
				p.conceptOrder = append(p.conceptOrder, val.Content[j].Value)
				p.concepts[val.Content[j].Value] = val.Content[j].Line
			}
		case "criteria":
			for _, item := range val.Content {
				p.criteria = append(p.criteria, criterionPosOf(item, source))
			}
		}
	}
	return p
}

func criterionPosOf(item *yaml.Node, source []string) criterionPos {
	pos := criterionPos{line: item.Line, rule: item.Line, column: 1}
	for j := 0; j+1 < len(item.Content); j += 2 {
		if item.Content[j].Value != "rule" {
			continue
		}
		v := item.Content[j+1]
		pos.rule, pos.column = v.Line, v.Column
		if v.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
			pos.rule++ // a block scalar's text starts on the next line, indented
			pos.column = indentation(source, pos.rule) + 1
		}
	}
	return pos
}

// indentation counts the leading spaces of a 1-based line.
func indentation(source []string, line int) int {
	if line < 1 || line > len(source) {
		return 0
	}
	l := source[line-1]
	return len(l) - len(strings.TrimLeft(l, " "))
}
