{#-
    Helpers for reading raw landing-zone files. Raw files are dbt sources whose
    `meta.raw_path` names the file; the source's external location reads it by header
    name as text. Errors raised here name the file, the column and the rule.
-#}

{% macro raw_source_path(source_name, table_name) -%}
    {#-
        The raw file path a source table reads (its `meta.raw_path`); none while
        parsing and inside dbt unit tests, which feed fixture rows instead of the file
        (and see no graph).
    -#}
    {%- if not execute or model.resource_type == 'unit_test' -%}{{ return(none) }}{%- endif -%}
    {%- set matches = [] -%}
    {%- for node in graph.sources.values() -%}
        {%- if node.source_name == source_name and node.name == table_name -%}
            {%- do matches.append(node.meta.get('raw_path')) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if matches | length != 1 or not matches[0] -%}
        {{ exceptions.raise_compiler_error(
            "source " ~ source_name ~ "." ~ table_name ~ " has no meta.raw_path") }}
    {%- endif -%}
    {{- return(matches[0]) -}}
{%- endmacro %}


{% macro assert_raw_file_columns(relation, raw_path, required, value_column_regex,
        known_variables=none, ignore_patterns=[]) %}
    {#-
        Fail before any data is read when the raw file is absent, its header repeats a
        name, it lacks a required column or any column that matches value_column_regex,
        or (with known_variables) it has a column no rule recognises: every column
        besides the required ones must match value_column_regex with a variable (its
        second group) in known_variables, or match one of ignore_patterns (column names
        or glob patterns such as '*_capacity'). Runs at execution time only (dbt parses
        models without a warehouse).
    -#}
    {%- if not execute or raw_path is none -%}{{ return(none) }}{%- endif -%}
    {%- set found = run_query(
        "select count(*) from glob('" ~ raw_path ~ "')").columns[0].values()[0] -%}
    {%- if found == 0 -%}
        {{ exceptions.raise_compiler_error(
            raw_path ~ ": file not found [rule: raw_file_exists]. Generate the sample "
            ~ "(python -m python_ml generate opsd) or download the real data "
            ~ "(python -m python_ml download opsd), or point var raw_dir elsewhere.") }}
    {%- endif -%}
    {%- set size = run_query("select size from read_blob('" ~ raw_path ~ "')").columns[0].values()[0] -%}
    {%- if size == 0 -%}
        {{ exceptions.raise_compiler_error(raw_path ~ ": the file is empty (0 bytes), not even "
            ~ "a header [rule: non_empty_file]") }}
    {%- endif -%}
    {#- the header as written: the CSV reader renames a repeated name (x, x_1) -#}
    {%- set header_line = run_query(
        "select l from read_csv('" ~ raw_path ~ "', header = false, auto_detect = false, "
        ~ "columns = {'l': 'VARCHAR'}, delim = chr(31), quote = '', escape = '') limit 1"
        ).columns[0].values()[0] -%}
    {#- every line must have the header's number of fields (a truncated last line is a
        partial write); read line by line, before the CSV reader guesses anything, counting
        commas outside double-quoted fields -#}
    {%- set shape = run_query(
        "with lines as (select row_number() over () as line, "
        ~ "length(u) - length(replace(u, ',', '')) + 1 as fields from (select "
        ~ "regexp_replace(l, '\"[^\"]*\"', '', 'g') as u "
        ~ "from read_csv('" ~ raw_path ~ "', header = false, auto_detect = false, "
        ~ "columns = {'l': 'VARCHAR'}, delim = chr(31), quote = '', escape = ''))) "
        ~ "select (select fields from lines where line = 1), count(*), "
        ~ "min(line) filter (where fields <> (select fields from lines where line = 1)) "
        ~ "from lines") -%}
    {%- set header_fields, line_count, bad_line = shape.rows[0][0], shape.rows[0][1], shape.rows[0][2] -%}
    {%- if bad_line is not none -%}
        {%- set bad = run_query(
            "select length(u) - length(replace(u, ',', '')) + 1 from (select row_number() "
            ~ "over () as line, regexp_replace(l, '\"[^\"]*\"', '', 'g') as u from read_csv('" ~ raw_path ~ "', header = false, "
            ~ "auto_detect = false, columns = {'l': 'VARCHAR'}, delim = chr(31), quote = '', "
            ~ "escape = '')) where line = " ~ bad_line).columns[0].values()[0] -%}
        {%- set header = header_line.split(',') -%}
        {%- set first_missing = header[bad] if bad < header | length else header[-1] -%}
        {{ exceptions.raise_compiler_error(
            raw_path ~ ", column " ~ first_missing ~ ", line " ~ bad_line ~ ": the line has "
            ~ bad ~ " fields, the header " ~ header_fields
            ~ (" (truncated line?)" if bad < header_fields else "") ~ " [rule: row_shape]") }}
    {%- endif -%}
    {%- if line_count < 2 -%}
        {{ exceptions.raise_compiler_error(raw_path ~ ": the file has a header but no data "
            ~ "rows [rule: data_rows_present]") }}
    {%- endif -%}
    {%- set header_names = [] -%}
    {%- for name in header_line.lstrip('\ufeff').rstrip('\r').split(',') -%}
        {%- do header_names.append(name.strip().strip('"')) -%}
    {%- endfor -%}
    {%- for name in header_names -%}
        {%- set first = header_names.index(name) -%}
        {%- if loop.index0 > first -%}
            {{ exceptions.raise_compiler_error(
                raw_path ~ ", column " ~ name ~ ": the header names it twice, at positions "
                ~ (first + 1) ~ " and " ~ loop.index ~ " [rule: unique_header]") }}
        {%- endif -%}
    {%- endfor -%}
    {%- set described = run_query("describe select * from " ~ relation) -%}
    {%- set columns = described.columns[0].values() | list -%}
    {%- for name in required -%}
        {%- if name not in columns -%}
            {%- set header = columns | reject('equalto', 'filename') | join(', ') -%}
            {{ exceptions.raise_compiler_error(
                raw_path ~ ", column " ~ name ~ ": required column is missing; the "
                ~ "header has " ~ header
                ~ ("; the file looks semicolon-delimited, OPSD files use commas"
                   if ';' in header else "")
                ~ " [rule: required_columns]") }}
        {%- endif -%}
    {%- endfor -%}
    {%- set value_columns = [] -%}
    {%- for name in columns -%}
        {%- if modules.re.match(value_column_regex, name) -%}
            {%- do value_columns.append(name) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if value_columns | length == 0 -%}
        {{ exceptions.raise_compiler_error(
            raw_path ~ ": no value column matches " ~ value_column_regex
            ~ "; the header has " ~ (columns | reject('equalto', 'filename') | join(', '))
            ~ " [rule: value_columns_present]") }}
    {%- endif -%}
    {%- if known_variables is not none -%}
        {%- set ignored = [] -%}
        {%- for pattern in ignore_patterns -%}
            {%- do ignored.append(
                '^' ~ (modules.re.escape(pattern) | replace('\\*', '.*')
                       | replace('\\?', '.')) ~ '$') -%}
        {%- endfor -%}
        {%- set unknown = [] -%}
        {%- for name in columns if name != 'filename' and name not in required -%}
            {%- set parts = modules.re.match(value_column_regex, name) -%}
            {%- set is_known = parts and parts.group(2) in known_variables -%}
            {%- set matched = [] -%}
            {%- for rx in ignored if modules.re.match(rx, name) -%}
                {%- do matched.append(rx) -%}
            {%- endfor -%}
            {%- if not is_known and matched | length == 0 -%}
                {%- do unknown.append(name) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if unknown | length > 0 -%}
            {{ exceptions.raise_compiler_error(
                raw_path ~ ", column" ~ ("s " if unknown | length > 1 else " ")
                ~ unknown | join(', ') ~ ": no rule recognises "
                ~ ("them" if unknown | length > 1 else "it")
                ~ "; value columns are <region>_<variable> with variable one of "
                ~ known_variables | join(', ')
                ~ ". A renamed column would lose its values; list columns the project "
                ~ "should skip (names or patterns like '*_capacity') in var "
                ~ "opsd_ignore_columns [rule: known_columns]") }}
        {%- endif -%}
    {%- endif -%}
{% endmacro %}


{% macro raise_raw_error(file, column, line, message, rule) -%}
    {#-
        SQL expression that aborts the query with a message naming file, column, line
        and rule. `column` is a SQL expression (a literal for fixed columns), the others
        are SQL expressions too except rule. Never null (error(NULL) would not raise).
    -#}
    error(concat(
        {{ file }}, ', column ', {{ column }}, ', line ', cast({{ line }} as varchar), ': ',
        coalesce({{ message }}, 'invalid value'), ' [rule: {{ rule }}]'
    ))
{%- endmacro %}


{% macro iso_timestamp_to_utc(raw_column) -%}
    {#-
        ISO 8601 text with an explicit offset (2021-01-01T00:00:00Z, ...+00:00,
        2021-01-01T01:00:00+01:00 or +0100) as a naive UTC timestamp; null when the
        text is not such a timestamp. Text without an offset is ambiguous: null.
    -#}
    coalesce(
        try_strptime({{ raw_column }}, '%Y-%m-%dT%H:%M:%SZ'),
        timezone('UTC', try_strptime({{ raw_column }}, '%Y-%m-%dT%H:%M:%S%z'))
    )
{%- endmacro %}


{% macro parse_utc_hour_or_fail(raw_column, file, line) -%}
    {#-
        Parse OPSD's utc_timestamp text (2021-01-01T00:00:00Z, or any explicit offset:
        what pandas writes, 2021-01-01T00:00:00+00:00) into a naive UTC timestamp, or
        abort naming file, column, line and rule. The value must be on the hour and
        strictly later than the previous line's.
    -#}
    {%- set parsed = iso_timestamp_to_utc(raw_column) -%}
    {%- set previous = "lag(" ~ parsed ~ ") over (order by " ~ line ~ ")" -%}
    case
        when {{ parsed }} is null
            then {{ raise_raw_error(file, "'" ~ raw_column ~ "'", line,
                "coalesce('''' || " ~ raw_column ~ " || '''', 'empty value')"
                ~ " || ' is not a UTC timestamp like 2021-01-01T00:00:00Z'"
                ~ " || ' (ISO 8601 with Z or an offset such as +01:00)'",
                'utc_timestamp_format') }}
        when date_trunc('hour', {{ parsed }}) <> {{ parsed }}
            then {{ raise_raw_error(file, "'" ~ raw_column ~ "'", line,
                "'''' || " ~ raw_column ~ " || ''' is not on the hour'",
                'hourly_grid') }}
        when {{ parsed }} = {{ previous }}
            then {{ raise_raw_error(file, "'" ~ raw_column ~ "'", line,
                "'''' || " ~ raw_column ~ " || ''' repeats the previous line''s hour'",
                'unique_utc_timestamp') }}
        when {{ parsed }} < {{ previous }}
            then {{ raise_raw_error(file, "'" ~ raw_column ~ "'", line,
                "'''' || " ~ raw_column ~ " || ''' is earlier than the previous line'",
                'increasing_utc_timestamp') }}
        else {{ parsed }}
    end
{%- endmacro %}


{% macro check_local_timestamp_or_fail(raw_column, ts_utc, file, line) -%}
    {#-
        OPSD's cet_cest_timestamp (2021-01-01T01:00:00+0100) must denote the same
        instant as utc_timestamp; returns true or aborts naming the rule.
    -#}
    {%- set parsed = iso_timestamp_to_utc(raw_column) -%}
    case
        when {{ parsed }} is null
            then {{ raise_raw_error(file, "'" ~ raw_column ~ "'", line,
                "coalesce('''' || " ~ raw_column ~ " || '''', 'empty value')"
                ~ " || ' is not a local timestamp like 2021-01-01T01:00:00+0100'",
                'local_timestamp_format') }}
        when {{ parsed }} <> {{ ts_utc }}
            then {{ raise_raw_error(file, "'" ~ raw_column ~ "'", line,
                "'''' || " ~ raw_column ~ " || ''' is not the same instant as '"
                ~ " || strftime(" ~ ts_utc ~ ", '%Y-%m-%dT%H:%M:%SZ')",
                'local_timestamp_matches_utc') }}
        else true
    end
{%- endmacro %}


{% macro number_or_fail(parsed_value, raw_value, column_name, file, line) -%}
    {#- A text cell already parsed with try_cast(... as double) (parsed_value), or abort
        naming file, column, line and rule when it is not a finite number. -#}
    case
        when {{ parsed_value }} is null
            then {{ raise_raw_error(file, column_name, line,
                "coalesce('''' || " ~ raw_value ~ " || '''', 'empty value')"
                ~ " || ' is not a number'",
                'numeric_value') }}
        when not isfinite({{ parsed_value }})
            then {{ raise_raw_error(file, column_name, line,
                "'''' || " ~ raw_value ~ " || ''' is not a finite number'",
                'numeric_value') }}
        else {{ parsed_value }}
    end
{%- endmacro %}


{% macro check_numeric_columns_or_fail(relation, column_regex) -%}
    {#-
        A one-row select (failures = 0) once every cell of the columns matching
        column_regex in `relation` (a CTE with source_file and source_line) is empty or a
        finite number; otherwise it aborts naming file, column, first bad line and rule.
        Checks column by column with one aggregate each, without unpivoting the cells:
        what an incremental run uses for the lines it does not rewrite.
    -#}
    select count(
        case when first_bad_line is not null then
            {{ raise_raw_error('source_file', 'opsd_column', 'first_bad_line',
                "'not a finite number'", 'numeric_value') }}
        end
    ) as failures
    from (
        unpivot (
            select
                any_value(source_file) as source_file,
                min(case
                    when columns('{{ column_regex }}') is not null
                        and not coalesce(isfinite(
                            try_cast(columns('{{ column_regex }}') as double)), false)
                    then source_line
                end)
            from {{ relation }}
        )
        on columns(* exclude (source_file))
        into name opsd_column value first_bad_line
    )
{%- endmacro %}
