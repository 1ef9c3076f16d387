package apidocs

import (
	"html"
	"html/template"
	"regexp"
	"strconv"
	"strings"
)

// markdown renders the small part of CommonMark that OpenAPI descriptions
// here use: paragraphs, "#" headings, "-" lists, indented code blocks,
// `code`, **bold** and [links](url). Everything is escaped first, so a
// description can never inject markup into the page. headingBase shifts
// heading levels so that "##" fits under the page's own headings.
func markdown(src string, headingBase int) template.HTML {
	var b strings.Builder
	lines := strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n")
	for i := 0; i < len(lines); {
		line := lines[i]
		switch {
		case strings.TrimSpace(line) == "":
			i++
		case strings.HasPrefix(line, "    "):
			i = codeBlock(&b, lines, i)
		case strings.HasPrefix(line, "#"):
			level := len(line) - len(strings.TrimLeft(line, "#"))
			h := strconv.Itoa(min(level+headingBase, 6))
			b.WriteString("<h" + h + ">" + inline(strings.TrimSpace(line[level:])) + "</h" + h + ">\n")
			i++
		case isListItem(line):
			i = list(&b, lines, i)
		default:
			i = paragraph(&b, lines, i)
		}
	}
	return template.HTML(b.String())
}

func isListItem(line string) bool {
	return strings.HasPrefix(line, "- ") || strings.HasPrefix(line, "* ")
}

// codeBlock writes the indented lines from i (blank lines inside kept) and
// returns the index after them.
func codeBlock(b *strings.Builder, lines []string, i int) int {
	var code []string
	for i < len(lines) && (strings.HasPrefix(lines[i], "    ") || strings.TrimSpace(lines[i]) == "" && nextIndented(lines, i)) {
		code = append(code, strings.TrimPrefix(lines[i], "    "))
		i++
	}
	b.WriteString("<pre><code>" + html.EscapeString(strings.Join(code, "\n")) + "</code></pre>\n")
	return i
}

// nextIndented says whether the blank run at i is followed by more code.
func nextIndented(lines []string, i int) bool {
	for ; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) != "" {
			return strings.HasPrefix(lines[i], "    ")
		}
	}
	return false
}

func list(b *strings.Builder, lines []string, i int) int {
	b.WriteString("<ul>\n")
	for i < len(lines) && isListItem(lines[i]) {
		item := lines[i][2:]
		i++
		// continuation lines of the same item
		for i < len(lines) && strings.HasPrefix(lines[i], "  ") && strings.TrimSpace(lines[i]) != "" {
			item += " " + strings.TrimSpace(lines[i])
			i++
		}
		b.WriteString("<li>" + inline(item) + "</li>\n")
	}
	b.WriteString("</ul>\n")
	return i
}

func paragraph(b *strings.Builder, lines []string, i int) int {
	var text []string
	for i < len(lines) && strings.TrimSpace(lines[i]) != "" && !strings.HasPrefix(lines[i], "#") &&
		!strings.HasPrefix(lines[i], "    ") && !isListItem(lines[i]) {
		text = append(text, strings.TrimSpace(lines[i]))
		i++
	}
	b.WriteString("<p>" + inline(strings.Join(text, " ")) + "</p>\n")
	return i
}

var (
	boldRE = regexp.MustCompile(`\*\*([^*]+)\*\*`)
	linkRE = regexp.MustCompile(`\[([^\]]+)\]\(((?:https?://|/|#)[^)\s"]*)\)`)
)

// inline renders code spans, bold and links in one line of text. Text
// between backticks is taken literally.
func inline(s string) string {
	parts := strings.Split(s, "`")
	if len(parts)%2 == 0 { // an unmatched backtick stays a backtick
		parts[len(parts)-2] += "`" + parts[len(parts)-1]
		parts = parts[:len(parts)-1]
	}
	var b strings.Builder
	for i, p := range parts {
		p = html.EscapeString(p)
		if i%2 == 1 {
			b.WriteString("<code>" + p + "</code>")
			continue
		}
		p = boldRE.ReplaceAllString(p, "<strong>$1</strong>")
		p = linkRE.ReplaceAllString(p, `<a href="$2">$1</a>`)
		b.WriteString(p)
	}
	return b.String()
}
