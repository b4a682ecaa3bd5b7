{#- The date from which a row counts as known, for point-in-time features. A row of a later
    delivery was known from that delivery's date. The first delivery is a backfill of the whole
    history: its rows were known in the source system when they were recorded there, so for
    them the row's own record time is used (late-recorded rows still do not leak). -#}
{% macro known_on(record_time, delivered_column='_first_delivery_date') -%}
    case
        when {{ delivered_column }} = (select min(delivery_date) from {{ source('raw', '_deliveries') }})
            then least(cast({{ record_time }} as date), {{ delivered_column }})
        else {{ delivered_column }}
    end
{%- endmacro %}
