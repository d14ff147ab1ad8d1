/* Quartiers prioritaires de la politique de la ville (QPV 2024): the perimeters of the QPV of the chosen territory
 * over its communes, on a map of their own. app.js calls window.ObservatoireQPV.afficher(territoire) at each
 * display; the perimeters are window.OBSERVATOIRE_QPV (assets/qpv_geo.js, written by dataviz.py from
 * demo_data/ref/qpv), the communes window.OBSERVATOIRE_GEO.commune. The open data publish no figure by QPV: the
 * map shows where the neighbourhoods are, not how many beneficiaries live there. */
(function () {
  'use strict';

  const QPV = window.OBSERVATOIRE_QPV.features;
  const COMMUNES = window.OBSERVATOIRE_GEO.commune.features;
  const COULEUR = '#e8590c';
  const nombre = new Intl.NumberFormat('fr-FR');
  let graphique = null;
  let affiche = null;

  /** Is the commune (properties of the commune map) in territory t (niveau, code)? */
  function dansTerritoire(commune, t) {
    if (t.niveau === 'region') return true;
    if (t.niveau === 'departement') return commune.dep === t.code;
    if (t.niveau === 'ept') return commune.ept === t.code;
    return commune.code === t.code;
  }

  function afficher(t) {
    const cle = t.niveau + ':' + t.code;
    if (cle === affiche) return;  // a change of year or public leaves the map as it is
    affiche = cle;
    const el = document.getElementById('carte-qpv');
    if (!graphique) {
      graphique = echarts.init(el, null, { locale: 'FR', renderer: 'canvas' });
      new ResizeObserver(function () { if (el.clientWidth && el.clientHeight) graphique.resize(); }).observe(el);
    }
    const communes = COMMUNES.filter(function (f) { return dansTerritoire(f.properties, t); });
    const codes = new Set(communes.map(function (f) { return f.properties.code; }));
    const quartiers = QPV.filter(function (f) {
      return f.properties.communes.some(function (c) { return codes.has(c); });
    });
    const noms = new Map(COMMUNES.map(function (f) { return [f.properties.code, f.properties.nom]; }));
    const note = document.getElementById('note-qpv');
    if (!communes.length) {
      graphique.clear();
      note.textContent = 'Pas de carte des communes pour ce territoire.';
      return;
    }
    // one map per territory: its communes, then its QPV drawn over them
    const carte = 'qpv:' + cle;
    if (!echarts.getMap(carte)) {
      echarts.registerMap(carte, { type: 'FeatureCollection', features: communes.concat(quartiers) });
    }
    graphique.setOption({
      animation: false,
      tooltip: {
        trigger: 'item', confine: true,
        formatter: function (p) {
          if (!p.data) return noms.get(p.name) || p.name;
          return '<strong>' + p.data.nom + '</strong><br>QPV ' + p.name + ' · '
            + p.data.communes.map(function (c) { return noms.get(c) || c; }).join(', ');
        },
      },
      series: [{
        type: 'map', map: carte, nameProperty: 'code', aspectScale: 0.66, roam: true, selectedMode: false,
        left: 8, right: 8, top: 8, bottom: 8,
        label: { show: false },
        itemStyle: { areaColor: '#eef1f5', borderColor: '#ffffff', borderWidth: 0.5 },
        emphasis: { label: { show: false }, itemStyle: { areaColor: '#dde3ea' } },
        data: quartiers.map(function (f) {
          return {
            name: f.properties.code, nom: f.properties.nom, communes: f.properties.communes,
            itemStyle: { areaColor: 'rgba(232, 89, 12, 0.35)', borderColor: COULEUR, borderWidth: 1 },
            emphasis: { itemStyle: { areaColor: 'rgba(232, 89, 12, 0.65)' } },
          };
        }),
      }],
    }, true);
    note.textContent = (quartiers.length
      ? nombre.format(quartiers.length) + (quartiers.length > 1 ? ' quartiers prioritaires' : ' quartier prioritaire')
        + ' (liste 2024 de l\u2019ANCT) dans ' + t.nom + ', en orange sur ses communes.'
      : 'Aucun quartier prioritaire (liste 2024 de l\u2019ANCT) dans ' + t.nom + '.')
      + ' Les données ouvertes ne donnent pas le nombre de bénéficiaires par quartier.';
  }

  window.ObservatoireQPV = {
    afficher: afficher,
    get graphique() { return graphique; },
  };
}());
