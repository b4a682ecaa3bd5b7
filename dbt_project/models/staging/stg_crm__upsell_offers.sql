select
    offer_id,
    account_id,
    campaign_id,
    variant,
    offer_type,
    offered_item,
    channel,
    sent_at,
    _delivery_date as delivered_on,
    _first_delivery_date as first_delivered_on,
    {{ known_on('sent_at') }} as known_on
from {{ source('raw', 'crm_upsell_offers') }}
