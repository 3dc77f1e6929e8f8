#!/usr/bin/env python3
"""Checks src/OpenWfp.Engine/Catalog/layers.json against a Windows SDK header or against what Windows reports.

  python3 tools/check-catalog.py sdk <fwpmu.h>
      Every FWPM_* DEFINE_GUID and #define alias of the header that layers.json lacks, or has with another GUID.
  python3 tools/check-catalog.py netsh <dump.xml>...
      Every layer, field and field data type a `netsh wfp show state` dump reports in its <layers> section that
      layers.json does not have (layer ids, field order, types).

Exits 0 when nothing is missing, 1 when something is, 2 on bad input. Type differences are listed but do not fail:
layers.json keeps the documented type in a few known cases (its _about.caveats). The script only reads; edit
layers.json by hand, then run `dotnet run tools/gen-catalog.cs` (docs/LAYERS.md, Regenerating).
"""
import json
import os
import re
import sys
import xml.etree.ElementTree as ET

CATALOG = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'src', 'OpenWfp.Engine', 'Catalog', 'layers.json')
GROUPS = ['sublayers', 'providers', 'provider_contexts', 'callouts', 'keying_modules']


class BadInput(Exception):
    pass


def load_catalog():
    try:
        with open(CATALOG, encoding='utf-8') as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        raise BadInput(f'{CATALOG}: {e}')


def catalog_names(cat):
    """Every name layers.json defines, with its GUID (lower case, no braces)."""
    names = {l['layer']: l['guid'] for l in cat['layers']}
    names.update({c['name']: c['guid'] for c in cat['conditions']})
    for group in GROUPS:
        names.update({n: v['guid'] for n, v in cat.get(group, {}).items()})
    return names


def read_text(path):
    try:
        with open(path, encoding='utf-8-sig', errors='replace') as f:
            return f.read()
    except OSError as e:
        raise BadInput(f'{path}: {e.strerror}')


def check_sdk(paths):
    if len(paths) != 1:
        raise BadInput('usage: check-catalog.py sdk <fwpmu.h>')
    text = read_text(paths[0]).replace('\r', '')
    guids = {}
    for m in re.finditer(r'DEFINE_GUID\(\s*(FWPM_\w+)\s*,((?:\s*0x[0-9a-fA-F]+\s*,?){11})\)', text):
        v = [int(x, 16) for x in re.findall(r'0x[0-9a-fA-F]+', m.group(2))]
        guids[m.group(1)] = '%08x-%04x-%04x-%02x%02x-%s' % (v[0], v[1], v[2], v[3], v[4], ''.join('%02x' % b for b in v[5:]))
    if not guids:
        raise BadInput(f'{paths[0]}: no FWPM_* DEFINE_GUID found; is this fwpmu.h?')
    for m in re.finditer(r'^#define\s+(FWPM_\w+)\s*\\?\s*\n?\s*(FWPM_\w+)\s*$', text, re.M):
        if m.group(2) in guids:
            guids[m.group(1)] = guids[m.group(2)]
    ours = catalog_names(load_catalog())
    missing = 0
    for name, guid in sorted(guids.items()):
        if name not in ours:
            print(f'missing: {name} {{{guid}}}')
            missing += 1
        elif ours[name] != guid:
            print(f'other GUID: {name} is {{{ours[name]}}} in layers.json, {{{guid}}} in the header')
            missing += 1
    print(f'{len(guids)} names in the header, {missing} missing or different')
    return 1 if missing else 0


def read_layers(path):
    text = read_text(path)
    end = text.find('</wfpstate>')
    if end < 0:
        raise BadInput(f'{path}: no </wfpstate>; not a netsh wfp show state dump')
    try:
        root = ET.fromstring(text[:end + len('</wfpstate>')])
    except ET.ParseError as e:
        raise BadInput(f'{path}: {e}')
    layers = root.find('layers')
    if layers is None:
        raise BadInput(f'{path}: no <layers> section')
    for item in layers.findall('item'):
        layer = item.find('layer')
        fields = [(f.findtext('fieldKey'), f.findtext('dataType')) for f in layer.find('field').findall('item')]
        yield layer.findtext('layerKey'), int(layer.findtext('layerId')), fields


def plain_type(text):
    # Annotated incoming types in layers.json start with the type name they stand for.
    return (text or 'FWP_EMPTY').split(' ')[0]


def check_netsh(paths):
    if not paths:
        raise BadInput('usage: check-catalog.py netsh <dump.xml>...')
    cat = load_catalog()
    layers = {l['layer']: l for l in cat['layers']}
    layers.update({'{' + l['guid'] + '}': l for l in cat['layers']})
    conditions = {c['name']: c['guid'] for c in cat['conditions']}
    missing = 0
    for path in paths:
        for key, layer_id, fields in read_layers(path):
            layer = layers.get(key.lower() if key.startswith('{') else key)
            if layer is None:
                print(f'{path}: missing layer {key} (id {layer_id}, fields {", ".join(f for f, _ in fields)})')
                missing += 1
                continue
            if layer['layer_id'] != layer_id:
                print(f'{path}: {layer["layer"]}: id {layer_id}, layers.json has {layer["layer_id"]}')
                missing += 1
            by_guid = {f.get('condition_guid'): f for f in layer['fields']}
            previous = -1
            for field_key, data_type in fields:
                guid = field_key.strip('{}').lower() if field_key.startswith('{') else conditions.get(field_key)
                field = by_guid.get(guid)
                if field is None:
                    print(f'{path}: {layer["layer"]}: missing field {field_key} ({data_type})')
                    missing += 1
                    continue
                if field['index'] <= previous:
                    print(f'{path}: {layer["layer"]}: {field_key} is listed after index {previous}, layers.json has it at {field["index"]}')
                    missing += 1
                previous = field['index']
                if plain_type(field.get('incoming_value_type')) != data_type:
                    print(f'{path}: {layer["layer"]}: type of {field_key} is {data_type}, layers.json has {field.get("incoming_value_type")}')
    print(f'{missing} missing or different')
    return 1 if missing else 0


def main(argv):
    if len(argv) < 2 or argv[1] not in ('sdk', 'netsh'):
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        print('usage: check-catalog.py sdk <fwpmu.h> | netsh <dump.xml>...', file=sys.stderr)
        return 2
    try:
        return check_sdk(argv[2:]) if argv[1] == 'sdk' else check_netsh(argv[2:])
    except BadInput as e:
        print(f'check-catalog: {e}', file=sys.stderr)
        return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv))
