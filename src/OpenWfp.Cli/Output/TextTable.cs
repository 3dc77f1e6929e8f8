namespace OpenWfp.Cli.Output;

/// <summary>
/// Rows of text in aligned columns, two spaces apart; numeric columns are right-aligned, the last column is not
/// padded. Colour is applied after padding, so escape codes never disturb the alignment.
/// </summary>
/// <param name="painter">Colours, when allowed.</param>
/// <param name="headers">The column headings.</param>
internal sealed class TextTable(Painter painter, params string[] headers)
{
    private readonly List<Cell[]> _rows = [];
    private readonly bool[] _right = new bool[headers.Length];

    /// <summary>A cell: its text and how to colour it once padded.</summary>
    /// <param name="Text">The text.</param>
    /// <param name="Paint">Applied to the padded text, or null.</param>
    public readonly record struct Cell(string Text, Func<string, string>? Paint = null)
    {
        public static implicit operator Cell(string text) => new(text);
    }

    public int Count => _rows.Count;

    /// <summary>Right-aligns columns (numbers).</summary>
    public TextTable AlignRight(params int[] columns)
    {
        foreach (var c in columns)
        {
            _right[c] = true;
        }

        return this;
    }

    public void Add(params Cell[] cells)
    {
        if (cells.Length != headers.Length)
        {
            throw new ArgumentException($"a row has {cells.Length} cells, the table {headers.Length} columns", nameof(cells));
        }

        _rows.Add(cells);
    }

    public void Write(TextWriter output, string indent = "")
    {
        var widths = new int[headers.Length];
        for (var c = 0; c < headers.Length; c++)
        {
            widths[c] = Math.Max(headers[c].Length, _rows.Count == 0 ? 0 : _rows.Max(r => r[c].Text.Length));
        }

        output.WriteLine(indent + painter.Bold(Line(headers.Select(h => new Cell(h)).ToArray(), widths, paint: false)));
        foreach (var row in _rows)
        {
            output.WriteLine(indent + Line(row, widths, paint: true));
        }
    }

    private string Line(Cell[] cells, int[] widths, bool paint)
    {
        var parts = new string[cells.Length];
        for (var c = 0; c < cells.Length; c++)
        {
            var last = c == cells.Length - 1;
            var text = _right[c] ? cells[c].Text.PadLeft(widths[c]) : last ? cells[c].Text : cells[c].Text.PadRight(widths[c]);
            parts[c] = paint && cells[c].Paint is { } p ? p(text) : text;
        }

        return string.Join("  ", parts).TrimEnd();
    }
}
